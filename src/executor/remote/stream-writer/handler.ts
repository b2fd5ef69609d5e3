/**
 * The stream writer loop: the outgoing side of one GetWorkItems stream.
 *
 * Events: Send, Drained, Delivered, DeliveryCheckDue, PingDue, Close (events.ts). State: the
 * queue of items not yet written, the items written whose bytes have not left yet, whether the
 * sink signalled back-pressure, whether the stream is stalled, when it was last written, the
 * ping and delivery timers.
 * Invariants: items are written in the order sent; nothing is written while the sink is full;
 * after a failure or Close nothing more is written and the sink is closed. A write failure is
 * reported once through `onFailed` (the executor treats it as a disconnect and re-dispatches the
 * stream's items, so queued items are simply dropped here).
 * Delivery: an item whose bytes have not left within `deliveryTimeoutMs` of being sent means the
 * peer stopped reading (HTTP/2 flow control holds the bytes back): the stream is stalled. The
 * writer drops the items it has not written and reports every item not delivered through
 * `onStalled`, so the executor sends them to other streams; the first delivery after that
 * reports `onResumed`. A stall that lasts another timeout is reported again (the executor then
 * closes the stream). On Close a stalled stream is reset: a graceful end would wait behind the
 * bytes that never leave.
 * Health pings: when nothing was written for `pingIntervalMs`, a HealthPing work item keeps the
 * idle HTTP/2 stream alive through proxies and load balancers that cut silent connections, and
 * lets a dead peer show up as a write failure.
 */
import { create } from '@bufbuild/protobuf';
import { assertNever, type LoopHandler } from '../../../loop/index.js';
import { WorkItemSchema, type WorkItem } from '../../../proto/orchestrator_service_pb.js';
import type { Clock, TimerHandle } from '../../../loop/clock.js';
import type { WorkItemSink } from '../work-item-sink.js';
import type { WriterEvent } from './events.js';

export interface WriterHandlerDeps {
  readonly sink: WorkItemSink;
  readonly clock: Clock;
  /** Idle time after which a HealthPing is sent; 0 disables pings. */
  readonly pingIntervalMs: number;
  /** How long an item may wait to leave before the stream counts as stalled; 0 disables it. */
  readonly deliveryTimeoutMs?: number;
  /** Delivers the writer's own timer events into its loop. */
  readonly enqueue: (event: WriterEvent) => boolean;
  /** Called once when a write throws (the stream is gone). */
  readonly onFailed: (error: Error) => void;
  /** The stream stalled (see the header): the completion tokens of the items not delivered. */
  readonly onStalled?: (tokens: readonly string[]) => void;
  /** A stalled stream delivered again. */
  readonly onResumed?: () => void;
}

interface Pending {
  readonly item: WorkItem;
  readonly sentAt: number;
}

export class WriterHandler implements LoopHandler<WriterEvent> {
  readonly #deps: WriterHandlerDeps;
  readonly #deliveryTimeoutMs: number;
  #queue: Pending[] = [];
  /** Written, bytes not left yet, oldest first (deliveries come in write order). */
  #undelivered: Pending[] = [];
  #blocked = false;
  #closed = false;
  #stalled = false;
  #lastWriteAt: number;
  #pingTimer: TimerHandle | undefined;
  #deliveryTimer: TimerHandle | undefined;

  constructor(deps: WriterHandlerDeps) {
    this.#deps = deps;
    this.#deliveryTimeoutMs = deps.deliveryTimeoutMs ?? 0;
    this.#lastWriteAt = deps.clock.now();
    this.#armPing(deps.pingIntervalMs);
  }

  /** Items waiting for the sink to drain. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Items written whose bytes have not left yet. */
  get undelivered(): number {
    return this.#undelivered.length;
  }

  handle(event: WriterEvent): void {
    switch (event.kind) {
      case 'Send': {
        if (this.#closed) return;
        const pending = { item: event.item, sentAt: this.#deps.clock.now() };
        if (this.#blocked) this.#queue.push(pending);
        else this.#write(pending);
        this.#armDeliveryCheck();
        return;
      }
      case 'Drained':
        this.#blocked = false;
        while (!this.#blocked && !this.#closed && this.#queue.length > 0) {
          this.#write(this.#queue.shift() as Pending);
        }
        return;
      case 'Delivered':
        this.#undelivered.shift();
        if (this.#closed) return;
        if (this.#stalled) {
          this.#stalled = false;
          this.#deps.onResumed?.();
        }
        this.#armDeliveryCheck();
        return;
      case 'DeliveryCheckDue':
        this.#deliveryTimer = undefined;
        this.#checkDelivery();
        return;
      case 'PingDue': {
        this.#pingTimer = undefined;
        if (this.#closed) return;
        const interval = this.#deps.pingIntervalMs;
        const idleFor = this.#deps.clock.now() - this.#lastWriteAt;
        if (idleFor >= interval && !this.#blocked && this.#queue.length === 0) {
          this.#write({
            item: create(WorkItemSchema, { request: { case: 'healthPing', value: {} } }),
            sentAt: this.#deps.clock.now(),
          });
        }
        if (this.#closed) return;
        this.#armPing(Math.max(1, interval - (this.#deps.clock.now() - this.#lastWriteAt)));
        return;
      }
      case 'Close':
        this.#stop(this.#stalled);
        return;
      default:
        assertNever(event, 'writer event');
    }
  }

  /** Only reachable if the loop stops abnormally: still release the timer and the sink. */
  drop(_event: WriterEvent): void {
    this.#stop(this.#stalled);
  }

  #write(pending: Pending): void {
    try {
      const track = this.#deliveryTimeoutMs > 0;
      if (track) this.#undelivered.push(pending);
      const accepted = this.#deps.sink.send(
        pending.item,
        track ? () => void this.#deps.enqueue({ kind: 'Delivered' }) : undefined,
      );
      this.#lastWriteAt = this.#deps.clock.now();
      if (!accepted) this.#blocked = true;
    } catch (err) {
      this.#stop(false);
      this.#deps.onFailed(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #oldestSentAt(): number | undefined {
    return (this.#undelivered[0] ?? this.#queue[0])?.sentAt;
  }

  #armDeliveryCheck(): void {
    if (this.#deliveryTimeoutMs <= 0 || this.#closed || this.#deliveryTimer !== undefined) return;
    const oldest = this.#oldestSentAt();
    if (oldest === undefined) return;
    const delay = Math.max(1, oldest + this.#deliveryTimeoutMs - this.#deps.clock.now());
    this.#deliveryTimer = this.#deps.clock.setTimer(delay, () => {
      this.#deps.enqueue({ kind: 'DeliveryCheckDue' });
    });
  }

  #checkDelivery(): void {
    if (this.#closed) return;
    const oldest = this.#oldestSentAt();
    if (oldest === undefined) return;
    const now = this.#deps.clock.now();
    if (now - oldest < this.#deliveryTimeoutMs) {
      this.#armDeliveryCheck();
      return;
    }
    const tokens = [...this.#undelivered, ...this.#queue]
      .map((pending) => pending.item.completionToken)
      .filter((token) => token !== '');
    // Never written, so never to be delivered: the executor sends them elsewhere.
    this.#queue = [];
    this.#stalled = true;
    // The next check is a full timeout from now: still stalled then means the peer is gone.
    this.#deliveryTimer = this.#deps.clock.setTimer(this.#deliveryTimeoutMs, () => {
      this.#deps.enqueue({ kind: 'DeliveryCheckDue' });
    });
    this.#deps.onStalled?.(tokens);
  }

  #armPing(delayMs: number): void {
    if (this.#deps.pingIntervalMs <= 0) return;
    this.#pingTimer = this.#deps.clock.setTimer(delayMs, () => {
      this.#deps.enqueue({ kind: 'PingDue' });
    });
  }

  #stop(reset: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#pingTimer?.cancel();
    this.#pingTimer = undefined;
    this.#deliveryTimer?.cancel();
    this.#deliveryTimer = undefined;
    try {
      const { sink } = this.#deps;
      if (reset && sink.reset) sink.reset();
      else sink.close();
    } catch {
      // The stream is already gone: nothing left to close.
    }
  }
}
