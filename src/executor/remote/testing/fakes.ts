import type { WorkItem } from '../../../proto/orchestrator_service_pb.js';
import type { Clock, TimerHandle, Timers } from '../timers.js';
import type { WorkItemSink } from '../work-item-sink.js';

/** A virtual clock with timers that fire only when a test advances it. */
export class ManualTime implements Clock, Timers {
  #now = 0;
  #timers: { at: number; callback: () => void; cancelled: boolean }[] = [];

  now(): number {
    return this.#now;
  }

  after(delayMs: number, callback: () => void): TimerHandle {
    const timer = { at: this.#now + delayMs, callback, cancelled: false };
    this.#timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Timers armed and not yet fired or cancelled. */
  get armed(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  advance(ms: number): void {
    this.#now += ms;
    const due = this.#timers.filter((t) => !t.cancelled && t.at <= this.#now);
    this.#timers = this.#timers.filter((t) => !due.includes(t));
    for (const timer of due) timer.callback();
  }
}

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
