import type { WorkItem } from '../../../proto/orchestrator_service_pb.js';

/** Events of one stream writer loop (one per GetWorkItems stream). None carries a reply. */
export type WriterEvent = Send | Drained | Delivered | DeliveryCheckDue | PingDue | Close;

/** From the executor loop: write this work item (queued while the sink is full). */
export interface Send {
  readonly kind: 'Send';
  readonly item: WorkItem;
}

/** From the transport ('drain'): the sink takes writes again; the queue is flushed. */
export interface Drained {
  readonly kind: 'Drained';
}

/** From the sink's write callback: the oldest written item's bytes have left (in write order). */
export interface Delivered {
  readonly kind: 'Delivered';
}

/** From the writer's own delivery timer: has the oldest item not left for too long? */
export interface DeliveryCheckDue {
  readonly kind: 'DeliveryCheckDue';
}

/** From the writer's own ping timer: send a HealthPing if the stream has been idle long enough. */
export interface PingDue {
  readonly kind: 'PingDue';
}

/** The final event: drop the queue, stop the ping timer, close the sink. */
export interface Close {
  readonly kind: 'Close';
}
