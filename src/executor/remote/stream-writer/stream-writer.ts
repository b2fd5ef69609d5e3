import { Loop } from '../../../loop/index.js';
import type { WorkItem } from '../../../proto/orchestrator_service_pb.js';
import type { Clock } from '../../../loop/clock.js';
import type { StreamOutbox, WorkItemSink } from '../work-item-sink.js';
import type { WriterEvent } from './events.js';
import { WriterHandler } from './handler.js';

export interface StreamWriterOptions {
  readonly sink: WorkItemSink;
  readonly clock: Clock;
  readonly pingIntervalMs: number;
  /** See WriterHandlerDeps: 0 disables stall detection. */
  readonly deliveryTimeoutMs?: number;
  readonly onFailed: (error: Error) => void;
  readonly onStalled?: (tokens: readonly string[]) => void;
  readonly onResumed?: () => void;
}

/** One GetWorkItems stream's outgoing queue, run as its own loop (see handler.ts). */
export class StreamWriter implements StreamOutbox {
  readonly #loop: Loop<WriterEvent>;
  readonly #handler: WriterHandler;
  /** Settles when the writer has stopped (after close). */
  readonly finished: Promise<void>;

  constructor(options: StreamWriterOptions) {
    const handler: WriterHandler = new WriterHandler({
      ...options,
      enqueue: (event) => this.#loop.enqueue(event),
    });
    this.#handler = handler;
    this.#loop = new Loop<WriterEvent>(handler, { name: `stream writer ${options.sink.id}` });
    // The handler catches sink errors itself; a throw here is a bug, surfaced as a failed stream.
    this.finished = this.#loop.run().catch((err: unknown) => {
      options.onFailed(err instanceof Error ? err : new Error(String(err)));
    });
  }

  /** Items sent and not yet delivered (queued or written), for stats. */
  get pending(): number {
    return this.#handler.queued + this.#handler.undelivered;
  }

  send(item: WorkItem): void {
    this.#loop.enqueue({ kind: 'Send', item });
  }

  /** The transport's buffer emptied ('drain'). */
  drained(): void {
    this.#loop.enqueue({ kind: 'Drained' });
  }

  close(): void {
    void this.#loop.close({ kind: 'Close' });
  }
}
