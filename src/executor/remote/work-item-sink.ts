import type { WorkItem } from '../../proto/orchestrator_service_pb.js';

/**
 * The transport end of one GetWorkItems stream, as the remote executor sees it. The gRPC binding
 * implements it over `call.write()`; tests implement it in memory.
 */
export interface WorkItemSink {
  readonly id: string;
  /** Who is at the other end (e.g. `ipv4:127.0.0.1:51234`), for logs. */
  readonly peer?: string;
  /**
   * Writes one work item. The item is always taken; `false` means the transport buffer is full and
   * no more should be written until the sink reports it drained (gRPC `write()` semantics).
   * `delivered` is called once the item's bytes have left (HTTP/2 flow control let them out);
   * a peer that stops reading never lets that happen. Throws when the stream is already gone.
   */
  send(item: WorkItem, delivered?: () => void): boolean;
  /** Ends the stream from the server side. Idempotent. */
  close(): void;
  /**
   * Ends the stream at once, dropping what is still buffered (a peer that does not read would
   * otherwise hold the stream and its buffered items forever). Default: `close()`.
   */
  reset?(): void;
}

/**
 * Where the executor loop puts work items for one stream: never blocks, never throws. Implemented
 * by the stream writer, which queues while the sink signals back-pressure and reports failures as
 * a SendFailed event of the executor loop.
 */
export interface StreamOutbox {
  send(item: WorkItem): void;
  /** Stops writing, drops anything still queued and closes the sink. Idempotent. */
  close(): void;
}
