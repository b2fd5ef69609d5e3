import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { create } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import {
  ActivityRequestSchema,
  GetWorkItemsRequestSchema,
  WorkItemSchema,
  type GetWorkItemsRequest,
  type WorkItem,
} from '../proto/orchestrator_service_pb.js';
import { flushBufferedWritesTogether, GrpcWorkItemSink } from './grpc-work-item-sink.js';
import { sidecarServiceDefinition } from './service-definition.js';
import { RawSidecarClient } from './testing/raw-client.js';

function activityItem(taskId: number): WorkItem {
  return create(WorkItemSchema, {
    request: { case: 'activityRequest', value: create(ActivityRequestSchema, { name: 'a', taskId }) },
    completionToken: `t${taskId}`,
  });
}

/** An object-mode Writable whose writes complete only when the test says so. */
function manualWritable() {
  const written: unknown[] = [];
  const completions: ((error?: Error | null) => void)[] = [];
  const stream = new Writable({
    objectMode: true,
    write(chunk: unknown, _encoding, callback) {
      written.push(chunk);
      completions.push(callback);
    },
  });
  return { stream, written, completions };
}

describe('flushBufferedWritesTogether', () => {
  test('buffered chunks are handed on together, in order, and the batch completes after all', async () => {
    const { stream, written, completions } = manualWritable();
    flushBufferedWritesTogether(stream);
    for (let i = 1; i <= 4; i++) stream.write(i);
    assert.deepEqual(written, [1], 'the first chunk goes alone while nothing is in flight');
    completions.shift()?.();
    assert.deepEqual(written, [1, 2, 3, 4], 'the three buffered chunks go at once');
    completions.shift()?.();
    completions.shift()?.();
    await nextTurn();
    assert.equal(stream.writableLength, 3, 'the batch is pending until its last chunk completes');
    completions.shift()?.();
    await nextTurn();
    assert.equal(stream.writableLength, 0);
    stream.write(5);
    assert.deepEqual(written, [1, 2, 3, 4, 5], 'writing goes on after a batch');
  });

  test('a failed chunk fails the batch once', async () => {
    const { stream, completions } = manualWritable();
    flushBufferedWritesTogether(stream);
    const errors: Error[] = [];
    stream.on('error', (err) => errors.push(err));
    for (let i = 1; i <= 3; i++) stream.write(i);
    completions.shift()?.();
    completions.shift()?.(new Error('first'));
    completions.shift()?.(new Error('second'));
    await nextTurn();
    assert.deepEqual(
      errors.map((e) => e.message),
      ['first'],
    );
  });

  test('leaves a stream that already batches alone', () => {
    const writev = (_chunks: unknown[], callback: () => void): void => callback();
    const stream = new Writable({ objectMode: true, write: (_c, _e, cb) => cb(), writev });
    flushBufferedWritesTogether(stream);
    assert.equal((stream as unknown as { _writev: unknown })._writev, writev);
  });
});

describe('GrpcWorkItemSink over a real GetWorkItems call', () => {
  const BURST = 40;
  let server: grpc.Server;
  let client: RawSidecarClient;
  let turnsToFlush = -1;

  before(async () => {
    server = new grpc.Server();
    server.addService(
      { getWorkItems: sidecarServiceDefinition.getWorkItems },
      {
        getWorkItems: (call: grpc.ServerWritableStream<GetWorkItemsRequest, WorkItem>) => {
          const sink = new GrpcWorkItemSink('s1', call);
          void (async () => {
            for (let i = 1; i <= BURST; i++) sink.send(activityItem(i));
            let turns = 0;
            while (call.writableLength > 0 && turns < 10 * BURST) {
              await nextTurn();
              turns++;
            }
            turnsToFlush = turns;
            sink.close();
          })();
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      );
    });
    client = new RawSidecarClient(`127.0.0.1:${port}`);
  });

  after(() => {
    client.close();
    server.forceShutdown();
  });

  test('a burst of work items arrives whole and in order, flushed in a few event-loop turns', async () => {
    const stream = client.stream('getWorkItems', create(GetWorkItemsRequestSchema));
    const tokens: string[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (item: WorkItem) => tokens.push(item.completionToken));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    assert.deepEqual(
      tokens,
      Array.from({ length: BURST }, (_, i) => `t${i + 1}`),
    );
    // grpc-js alone needs one turn per message (~BURST turns).
    assert.ok(turnsToFlush >= 0 && turnsToFlush <= 4, `flushed in ${turnsToFlush} turns`);
  });
});
