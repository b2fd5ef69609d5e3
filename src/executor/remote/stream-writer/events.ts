import type { WorkItem } from '../../../proto/orchestrator_service_pb.js';

/** Events of one stream writer loop (one per GetWorkItems stream). None carries a reply. */
export type WriterEvent = Send | Drained | PingDue | Close;

/** From the executor loop: write this work item (queued while the sink is full). */
export interface Send {
  readonly kind: 'Send';
  readonly item: WorkItem;
}

/** From the transport ('drain'): the sink takes writes again; the queue is flushed. */
export interface Drained {
  readonly kind: 'Drained';
}

/** From the writer's own ping timer: send a HealthPing if the stream has been idle long enough. */
export interface PingDue {
  readonly kind: 'PingDue';
}

/** The final event: drop the queue, stop the ping timer, close the sink. */
export interface Close {
  readonly kind: 'Close';
}
