import type { WorkItem } from '../../proto/orchestrator_service_pb.js';

/**
 * The transport end of one GetWorkItems stream, as the remote executor sees it. The gRPC binding
 * implements it over `call.write()`; tests implement it in memory.
 */
export interface WorkItemSink {
  readonly id: string;
  /**
   * Writes one work item. The item is always taken; `false` means the transport buffer is full and
   * no more should be written until the sink reports it drained (gRPC `write()` semantics).
   * Throws when the stream is already gone.
   */
  send(item: WorkItem): boolean;
  /** Ends the stream from the server side. Idempotent. */
  close(): void;
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
