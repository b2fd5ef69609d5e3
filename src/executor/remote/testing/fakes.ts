import type { WorkItem } from '../../../proto/orchestrator_service_pb.js';
import type { WorkItemSink } from '../work-item-sink.js';

/** An in-memory sink: records writes, can simulate a full buffer and a dead stream. */
export class MemorySink implements WorkItemSink {
  readonly id: string;
  readonly written: WorkItem[] = [];
  closed = false;
  /** After this many more writes `send` returns false (back-pressure). */
  capacity = Infinity;
  /** When set, `send` throws it. */
  failure: Error | undefined;
  /** When false, writes are not delivered until `deliver()` (a peer that stopped reading). */
  autoDeliver = true;
  readonly #awaitingDelivery: (() => void)[] = [];
  resets = 0;

  constructor(id: string) {
    this.id = id;
  }

  send(item: WorkItem, delivered?: () => void): boolean {
    if (this.failure) throw this.failure;
    this.written.push(item);
    if (delivered) {
      if (this.autoDeliver) delivered();
      else this.#awaitingDelivery.push(delivered);
    }
    this.capacity--;
    return this.capacity > 0;
  }

  close(): void {
    this.closed = true;
  }

  reset(): void {
    this.resets++;
    this.closed = true;
  }

  /** Delivers the oldest `count` writes not delivered yet. */
  deliver(count = Infinity): void {
    for (let i = 0; i < count && this.#awaitingDelivery.length > 0; i++) this.#awaitingDelivery.shift()?.();
  }

  get kinds(): (string | undefined)[] {
    return this.written.map((item) => item.request.case);
  }
}
