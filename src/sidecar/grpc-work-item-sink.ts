import type * as grpc from '@grpc/grpc-js';
import * as http2 from 'node:http2';
import type { WorkItemSink } from '../executor/remote/index.js';
import type { GetWorkItemsRequest, WorkItem } from '../proto/orchestrator_service_pb.js';

type WorkItemsCall = grpc.ServerWritableStream<GetWorkItemsRequest, WorkItem>;

/** A GetWorkItems call as the remote executor's sink: `write()` with its back-pressure signal. */
export class GrpcWorkItemSink implements WorkItemSink {
  readonly id: string;
  readonly peer: string;
  readonly #call: WorkItemsCall;
  #closed = false;

  constructor(id: string, call: WorkItemsCall) {
    this.id = id;
    this.#call = call;
    this.peer = call.getPeer();
    flushBufferedWritesTogether(call);
  }

  send(item: WorkItem, delivered?: () => void): boolean {
    if (this.#closed || this.#call.cancelled || this.#call.writableEnded || this.#call.destroyed) {
      throw new Error(`work item stream ${this.id} is closed`);
    }
    // The write callback fires once HTTP/2 has sent the message (see flushBufferedWritesTogether).
    return delivered === undefined ? this.#call.write(item) : this.#call.write(item, () => delivered());
  }

  /**
   * Resets the HTTP/2 stream (RST_STREAM CANCEL): a graceful end would queue the status behind
   * the messages the peer never reads, so it would never leave. The client sees CANCELLED.
   */
  reset(): void {
    this.#closed = true;
    const stream = http2StreamOf(this.#call);
    if (stream === undefined || stream.destroyed) {
      if (!this.#call.writableEnded && !this.#call.destroyed) this.#call.end();
      return;
    }
    stream.close(http2.constants.NGHTTP2_CANCEL);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#call.cancelled && !this.#call.writableEnded && !this.#call.destroyed) this.#call.end();
  }
}

/**
 * The HTTP/2 stream under a grpc-js server call: grpc-js has no API to reset a call, so it is
 * found through the call's (intercepting) call chain. Undefined when the layout is not as known.
 */
function http2StreamOf(call: object): http2.ServerHttp2Stream | undefined {
  let link: unknown = (call as { call?: unknown }).call;
  for (let depth = 0; depth < 16 && typeof link === 'object' && link !== null; depth++) {
    const stream = (link as { stream?: unknown }).stream;
    if (isHttp2Stream(stream)) return stream;
    link = (link as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}

function isHttp2Stream(value: unknown): value is http2.ServerHttp2Stream {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as http2.ServerHttp2Stream).close === 'function' &&
    typeof (value as http2.ServerHttp2Stream).respond === 'function' &&
    'session' in value
  );
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
