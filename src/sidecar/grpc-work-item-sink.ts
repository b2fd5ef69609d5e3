import type * as grpc from '@grpc/grpc-js';
import type { WorkItemSink } from '../executor/remote/index.js';
import type { GetWorkItemsRequest, WorkItem } from '../proto/orchestrator_service_pb.js';

type WorkItemsCall = grpc.ServerWritableStream<GetWorkItemsRequest, WorkItem>;

/** A GetWorkItems call as the remote executor's sink: `write()` with its back-pressure signal. */
export class GrpcWorkItemSink implements WorkItemSink {
  readonly id: string;
  readonly #call: WorkItemsCall;
  #closed = false;

  constructor(id: string, call: WorkItemsCall) {
    this.id = id;
    this.#call = call;
    flushBufferedWritesTogether(call);
  }

  send(item: WorkItem): boolean {
    if (this.#closed || this.#call.cancelled || this.#call.writableEnded || this.#call.destroyed) {
      throw new Error(`work item stream ${this.id} is closed`);
    }
    return this.#call.write(item);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#call.cancelled && !this.#call.writableEnded && !this.#call.destroyed) this.#call.end();
  }
}

type WriteCallback = (error?: Error | null) => void;

/** The Node stream hooks of a grpc-js server stream (an object-mode Writable). */
interface WritableHooks {
  _write(chunk: unknown, encoding: BufferEncoding, callback: WriteCallback): void;
  _writev?:
    ((chunks: { chunk: unknown; encoding: BufferEncoding }[], callback: WriteCallback) => void) | null;
}

/**
 * grpc-js server streams implement only `_write`, whose callback fires once HTTP/2 has flushed
 * that one message: a burst of work items (a fan-out, many leases at once) leaves one message per
 * event-loop turn, and a turn may hold a group commit's fsync, so the last item of a burst of
 * 40 waited ~40 turns. A `_writev` hands every buffered message to HTTP/2 at once, so a burst
 * leaves in one or two flushes. Each message still goes through grpc-js's own `_write`
 * (serialization, size limits, errors), in order; the batch completes when all of them have. A
 * failed message never calls back (grpc-js ends the call with a status instead), as with `_write`.
 */
export function flushBufferedWritesTogether(call: object): void {
  const hooks = call as WritableHooks;
  if (typeof hooks._write !== 'function' || typeof hooks._writev === 'function') return;
  const writeOne = hooks._write.bind(call);
  hooks._writev = (chunks, callback) => {
    let pending = chunks.length;
    if (pending === 0) {
      callback();
      return;
    }
    for (const { chunk, encoding } of chunks) {
      writeOne(chunk, encoding, (error) => {
        if (pending < 0) return;
        if (error) {
          pending = -1; // the first failure is reported, once
          callback(error);
          return;
        }
        if (--pending === 0) callback();
      });
    }
  };
}
