/**
 * The stream writer loop: the outgoing side of one GetWorkItems stream.
 *
 * Events: Send, Drained, PingDue, Close (events.ts). State: the queue of items not yet written,
 * whether the sink signalled back-pressure, when it was last written, the ping timer.
 * Invariants: items are written in the order sent; nothing is written while the sink is full;
 * after a failure or Close nothing more is written and the sink is closed. A write failure is
 * reported once through `onFailed` (the executor treats it as a disconnect and re-dispatches the
 * stream's items, so queued items are simply dropped here).
 * Health pings: when nothing was written for `pingIntervalMs`, a HealthPing work item keeps the
 * idle HTTP/2 stream alive through proxies and load balancers that cut silent connections, and
 * lets a dead peer show up as a write failure.
 */
import { create } from '@bufbuild/protobuf';
import { assertNever, type LoopHandler } from '../../../loop/index.js';
import { WorkItemSchema, type WorkItem } from '../../../proto/orchestrator_service_pb.js';
import type { Clock, TimerHandle, Timers } from '../timers.js';
import type { WorkItemSink } from '../work-item-sink.js';
import type { WriterEvent } from './events.js';

export interface WriterHandlerDeps {
  readonly sink: WorkItemSink;
  readonly clock: Clock;
  readonly timers: Timers;
  /** Idle time after which a HealthPing is sent; 0 disables pings. */
  readonly pingIntervalMs: number;
  /** Delivers the writer's own timer events into its loop. */
  readonly enqueue: (event: WriterEvent) => boolean;
  /** Called once when a write throws (the stream is gone). */
  readonly onFailed: (error: Error) => void;
}

export class WriterHandler implements LoopHandler<WriterEvent> {
  readonly #deps: WriterHandlerDeps;
  #queue: WorkItem[] = [];
  #blocked = false;
  #closed = false;
  #lastWriteAt: number;
  #pingTimer: TimerHandle | undefined;

  constructor(deps: WriterHandlerDeps) {
    this.#deps = deps;
    this.#lastWriteAt = deps.clock.now();
    this.#armPing(deps.pingIntervalMs);
  }

  /** Items waiting for the sink to drain. */
  get queued(): number {
    return this.#queue.length;
  }

  handle(event: WriterEvent): void {
    switch (event.kind) {
      case 'Send':
        if (this.#closed) return;
        if (this.#blocked) this.#queue.push(event.item);
        else this.#write(event.item);
        return;
      case 'Drained':
        this.#blocked = false;
        while (!this.#blocked && !this.#closed && this.#queue.length > 0) {
          this.#write(this.#queue.shift() as WorkItem);
        }
        return;
      case 'PingDue': {
        this.#pingTimer = undefined;
        if (this.#closed) return;
        const interval = this.#deps.pingIntervalMs;
        const idleFor = this.#deps.clock.now() - this.#lastWriteAt;
        if (idleFor >= interval && !this.#blocked && this.#queue.length === 0) {
          this.#write(create(WorkItemSchema, { request: { case: 'healthPing', value: {} } }));
        }
        if (this.#closed) return;
        this.#armPing(Math.max(1, interval - (this.#deps.clock.now() - this.#lastWriteAt)));
        return;
      }
      case 'Close':
        this.#stop();
        return;
      default:
        assertNever(event, 'writer event');
    }
  }

  /** Only reachable if the loop stops abnormally: still release the timer and the sink. */
  drop(_event: WriterEvent): void {
    this.#stop();
  }

  #write(item: WorkItem): void {
    try {
      const accepted = this.#deps.sink.send(item);
      this.#lastWriteAt = this.#deps.clock.now();
      if (!accepted) this.#blocked = true;
    } catch (err) {
      this.#stop();
      this.#deps.onFailed(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #armPing(delayMs: number): void {
    if (this.#deps.pingIntervalMs <= 0) return;
    this.#pingTimer = this.#deps.timers.after(delayMs, () => {
      this.#deps.enqueue({ kind: 'PingDue' });
    });
  }

  #stop(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#pingTimer?.cancel();
    this.#pingTimer = undefined;
    try {
      this.#deps.sink.close();
    } catch {
      // The stream is already gone: nothing left to close.
    }
  }
}
