/**
 * The remote executor loop: hands work items to SDK workers connected over GetWorkItems streams
 * and answers each execute call with the worker's completion.
 *
 * Events: see events.ts. State (owned here only): the connected streams (filters, capacity, the
 * items outstanding on each), every pending item by id, by key (orchestration: instanceId;
 * activity: instanceId + taskId) and by its current completion token, and the FIFO of items
 * waiting for a stream.
 *
 * Invariants:
 * - An item is either waiting (no stream, no token) or outstanding on exactly one stream with one
 *   token; the owning stream is stamped when the item is routed, so a stream that ends takes
 *   nothing with it: its items go back to the front of the waiting queue and are re-dispatched
 *   with fresh tokens (a late completion carrying an old token is refused).
 * - At most one item per key: a second turn of an outstanding instance is refused.
 * - Completions match by token; clients that send none (the Dapr SDKs) match by key.
 * - A completion, abandon or cancel that matches nothing changes nothing.
 * - An abandoned item is offered to a connected stream that accepts it and has not abandoned it in
 *   this execute call; once every such stream has, the caller gets WorkItemAbandonedError and
 *   returns it to the store with a growing delay (nothing is re-sent in a hot loop).
 * Shutdown rejects every item with ShutdownError and closes every stream; nothing waits forever.
 */
import { DurableTaskError, NotSupportedError, ShutdownError, TaskCancelledError } from '../../api/errors.js';
import { assertNever, type LoopHandler, type Reply } from '../../loop/index.js';
import { create } from '@bufbuild/protobuf';
import {
  WorkItemSchema,
  type ActivityRequest,
  type ActivityResponse,
  type HistoryEvent,
  type OrchestratorRequest,
  type OrchestratorResponse,
  type WorkItem,
} from '../../proto/orchestrator_service_pb.js';
import {
  DuplicateWorkItemError,
  ExecutorOverloadedError,
  UnknownWorkItemError,
  WorkItemAbandonedError,
  WorkItemLostError,
} from './errors.js';
import type { ExecutorEvent } from './events.js';
import { SILENT_LOGGER, type LogSink } from '../../logging/logger.js';
import {
  accepts,
  activityTarget,
  orchestratorTarget,
  type RouteTarget,
  type StreamOptions,
} from './routing.js';
import type { StreamOutbox } from './work-item-sink.js';
import { OncePerKey } from './once-per-key.js';
import {
  DEFAULT_HISTORY_STREAMING_THRESHOLD_BYTES,
  pastEventsExceed,
  withoutPastEvents,
} from './history-streaming.js';

type ItemKind = 'orchestrator' | 'activity';

/**
 * A stream ending with an item is usually chance (a worker restarting): the first loss
 * re-dispatches at once. The second in a row looks like a worker that crashes on this item, so
 * the item goes back to the store, whose retry delay grows with each attempt.
 */
const MAX_STREAM_LOSSES = 2;
/** Losses are remembered per key across execute calls (the store retries the same work). */
const MAX_REMEMBERED_LOSSES = 10_000;
/**
 * A stream that stalls this often (its worker stops reading, resumes, stops again) is closed
 * rather than trusted with more work; one that stays stalled is closed at its second report.
 */
const MAX_STALLS = 3;

interface ItemBase {
  readonly itemId: number;
  readonly key: string;
  /** Names the item in errors and logs. */
  readonly description: string;
  readonly target: RouteTarget;
  readonly instanceId: string;
  token: string | undefined;
  streamId: string | undefined;
  /** Streams that abandoned this item in this execute call: it is not offered to them again. */
  abandonedBy: Set<string> | undefined;
}

interface PendingOrchestrator extends ItemBase {
  readonly kind: 'orchestrator';
  readonly request: OrchestratorRequest;
  readonly reply: Reply<OrchestratorResponse>;
}

interface PendingActivity extends ItemBase {
  readonly kind: 'activity';
  readonly taskId: number;
  readonly request: ActivityRequest;
  readonly reply: Reply<ActivityResponse>;
}

type PendingItem = PendingOrchestrator | PendingActivity;

interface ConnectedStream {
  readonly id: string;
  readonly peer: string;
  /** Its worker stopped reading (DeliveryStalled): no new work until it delivers again. */
  stalled: boolean;
  stalls: number;
  readonly options: StreamOptions;
  readonly outbox: StreamOutbox;
  /** Outstanding items in dispatch order. */
  readonly outstanding: Set<PendingItem>;
  readonly counts: Record<ItemKind, number>;
}

export interface ExecutorHandlerDeps {
  /** A fresh, unguessable completion token per dispatch. */
  readonly newToken: () => string;
  /** Most items waiting for a stream; beyond it executes are refused. Default: no limit. */
  readonly maxWaiting?: number;
  readonly logger?: LogSink;
  /** Past events above this size go to a streaming-capable worker by StreamInstanceHistory. */
  readonly historyStreamingThresholdBytes?: number;
}

export interface ExecutorStats {
  readonly streams: number;
  readonly outstanding: number;
  readonly waiting: number;
}

const orchestratorKey = (instanceId: string): string => `o\u0000${instanceId}`;
const activityKey = (instanceId: string, taskId: number): string => `a\u0000${instanceId}\u0000${taskId}`;

export class ExecutorHandler implements LoopHandler<ExecutorEvent> {
  readonly #newToken: () => string;
  readonly #logger: LogSink;
  readonly #maxWaiting: number;
  readonly #historyStreamingThresholdBytes: number;
  readonly #streams = new Map<string, ConnectedStream>();
  readonly #byId = new Map<number, PendingItem>();
  readonly #byKey = new Map<string, PendingItem>();
  /** Keys whose work was lost with its stream, and how often, until a worker completes it. */
  readonly #lossesByKey = new Map<string, number>();
  readonly #byToken = new Map<string, PendingItem>();
  /** Keys already warned about as accepted by no connected stream's filters. */
  readonly #unroutableWarned = new OncePerKey();
  #waiting: PendingItem[] = [];
  #shutDown = false;

  constructor(deps: ExecutorHandlerDeps) {
    this.#newToken = deps.newToken;
    this.#logger = deps.logger ?? SILENT_LOGGER;
    this.#maxWaiting = deps.maxWaiting ?? Infinity;
    this.#historyStreamingThresholdBytes =
      deps.historyStreamingThresholdBytes ?? DEFAULT_HISTORY_STREAMING_THRESHOLD_BYTES;
  }

  stats(): ExecutorStats {
    return { streams: this.#streams.size, outstanding: this.#byToken.size, waiting: this.#waiting.length };
  }

  /** Streams whose worker stopped reading (no new work goes to them). */
  stalledStreams(): number {
    let stalled = 0;
    for (const stream of this.#streams.values()) if (stream.stalled) stalled++;
    return stalled;
  }

  /**
   * The past events of the turn of `instanceId` outstanding on a worker (its execution, when
   * given, must match), for the worker's StreamInstanceHistory; undefined when there is none.
   */
  pastEventsOfOutstandingTurn(
    instanceId: string,
    executionId: string | undefined,
  ): readonly HistoryEvent[] | undefined {
    const item = this.#byKey.get(orchestratorKey(instanceId));
    if (item?.kind !== 'orchestrator' || item.streamId === undefined) return undefined;
    if (executionId !== undefined && executionId !== item.request.executionId) return undefined;
    return item.request.pastEvents;
  }

  handle(event: ExecutorEvent): void {
    switch (event.kind) {
      case 'ExecuteOrchestrator': {
        const { request } = event;
        this.#admit({
          kind: 'orchestrator',
          itemId: event.itemId,
          key: orchestratorKey(request.instanceId),
          description: `the orchestration turn of instance '${request.instanceId}'`,
          target: orchestratorTarget(request),
          instanceId: request.instanceId,
          request,
          reply: event.reply,
          token: undefined,
          streamId: undefined,
          abandonedBy: undefined,
        });
        return;
      }
      case 'ExecuteActivity': {
        const { request } = event;
        const instanceId = request.orchestrationInstance?.instanceId ?? '';
        this.#admit({
          kind: 'activity',
          itemId: event.itemId,
          key: activityKey(instanceId, request.taskId),
          description: `activity '${request.name}' (task ${request.taskId}) of instance '${instanceId}'`,
          target: activityTarget(request),
          instanceId,
          taskId: request.taskId,
          request,
          reply: event.reply,
          token: undefined,
          streamId: undefined,
          abandonedBy: undefined,
        });
        return;
      }
      case 'ConnectStream':
        this.#connect(event.streamId, event.peer ?? 'unknown', event.options, event.outbox);
        return;
      case 'DeliveryStalled':
        this.#onStalled(event.streamId, event.tokens);
        return;
      case 'DeliveryResumed': {
        const stream = this.#streams.get(event.streamId);
        if (stream === undefined || !stream.stalled) return;
        stream.stalled = false;
        this.#logger.info({ streamId: stream.id, peer: stream.peer }, 'work item stream takes work again');
        this.#pump();
        return;
      }
      case 'DisconnectStream':
        this.#disconnect(event.streamId, 'disconnected');
        return;
      case 'SendFailed':
        this.#logger.warn({ streamId: event.streamId, err: event.error }, 'work item stream write failed');
        this.#disconnect(event.streamId, 'write failed');
        return;
      case 'CompleteOrchestrator': {
        const { response } = event;
        if (response.isPartial) {
          event.reply.reject(
            new NotSupportedError('Chunked (isPartial) orchestrator completions are not supported.'),
          );
          return;
        }
        const item = this.#match('orchestrator', response.completionToken, response.instanceId, undefined);
        if (item instanceof DurableTaskError) return event.reply.reject(item);
        if (item.kind !== 'orchestrator')
          throw new Error('matched an activity for an orchestrator completion');
        this.#finish(item);
        this.#lossesByKey.delete(item.key);
        item.reply.resolve(response);
        event.reply.resolve();
        return;
      }
      case 'CompleteActivity': {
        const { response } = event;
        const item = this.#match('activity', response.completionToken, response.instanceId, response.taskId);
        if (item instanceof DurableTaskError) return event.reply.reject(item);
        if (item.kind !== 'activity') throw new Error('matched an orchestrator for an activity completion');
        this.#finish(item);
        this.#lossesByKey.delete(item.key);
        item.reply.resolve(response);
        event.reply.resolve();
        return;
      }
      case 'Abandon': {
        if (event.completionToken === '') {
          event.reply.reject(new UnknownWorkItemError('Abandoning a work item needs its completion token.'));
          return;
        }
        const item = this.#match(event.itemKind, event.completionToken, '', undefined);
        if (item instanceof DurableTaskError) return event.reply.reject(item);
        this.#abandoned(item);
        event.reply.resolve();
        return;
      }
      case 'Cancel': {
        const item = this.#byId.get(event.itemId);
        if (item === undefined) return; // already answered
        this.#finish(item);
        item.reply.reject(cancellationError(item.description, event.reason));
        return;
      }
      case 'Shutdown':
        this.shutdown(new ShutdownError('The remote executor'));
        return;
      default:
        assertNever(event, 'executor event');
    }
  }

  /** For events the loop will never handle (it stopped): answer their replies, close their streams. */
  drop(event: ExecutorEvent, reason: Error): void {
    switch (event.kind) {
      case 'ExecuteOrchestrator':
      case 'ExecuteActivity':
      case 'CompleteOrchestrator':
      case 'CompleteActivity':
      case 'Abandon':
        event.reply.reject(reason);
        return;
      case 'ConnectStream':
        event.outbox.close();
        return;
      case 'DisconnectStream':
      case 'SendFailed':
      case 'DeliveryStalled':
      case 'DeliveryResumed':
      case 'Cancel':
      case 'Shutdown':
        return;
      default:
        assertNever(event, 'executor event');
    }
  }

  /**
   * Rejects every item and closes every stream; later executes are refused. Idempotent. Also
   * called by the owner after the loop ended abnormally, so no item is left unanswered.
   */
  shutdown(reason: Error): void {
    this.#shutDown = true;
    for (const item of this.#byId.values()) item.reply.reject(reason);
    this.#byId.clear();
    this.#byKey.clear();
    this.#byToken.clear();
    this.#waiting = [];
    for (const stream of this.#streams.values()) stream.outbox.close();
    this.#streams.clear();
  }

  #admit(item: PendingItem): void {
    if (this.#shutDown) {
      item.reply.reject(new ShutdownError('The remote executor'));
      return;
    }
    if (this.#byKey.has(item.key)) {
      item.reply.reject(new DuplicateWorkItemError(item.description));
      return;
    }
    const stream = this.#pickStream(item);
    if (stream === undefined && this.#waiting.length >= this.#maxWaiting) {
      item.reply.reject(new ExecutorOverloadedError(item.description, this.#waiting.length));
      return;
    }
    this.#byId.set(item.itemId, item);
    this.#byKey.set(item.key, item);
    if (stream) this.#dispatch(item, stream);
    else this.#waiting.push(item);
  }

  /**
   * A stream's worker stopped reading: its undelivered items go back to the front of the queue
   * (fresh tokens when routed again; not counted as losses, the work is not at fault) and the
   * stream gets nothing new until it delivers again. Stalling again, or staying stalled, closes it.
   */
  #onStalled(streamId: string, tokens: readonly string[]): void {
    const stream = this.#streams.get(streamId);
    if (stream === undefined) return;
    stream.stalls++;
    if (stream.stalled || stream.stalls >= MAX_STALLS) {
      this.#logger.warn(
        { streamId, peer: stream.peer, stalls: stream.stalls },
        'work item stream does not take work (its worker stopped reading); closing it',
      );
      this.#disconnect(streamId, 'closed: not taking work');
      return;
    }
    stream.stalled = true;
    const taken: PendingItem[] = [];
    for (const token of tokens) {
      const item = this.#byToken.get(token);
      if (item === undefined || item.streamId !== streamId) continue;
      this.#byToken.delete(token);
      if (stream.outstanding.delete(item)) stream.counts[item.kind]--;
      item.token = undefined;
      item.streamId = undefined;
      taken.push(item);
    }
    this.#logger.warn(
      { streamId, peer: stream.peer, redispatched: taken.length },
      'work item stream stopped taking work; its undelivered work items go to other streams',
    );
    this.#waiting = [...taken, ...this.#waiting];
    this.#pump();
  }

  /**
   * A worker gave the item up (a version it will not run, for example): offer it to another
   * stream that accepts it, or, when every such stream has abandoned it, hand it back.
   */
  #abandoned(item: PendingItem): void {
    const from = item.streamId;
    this.#release(item);
    if (from !== undefined) (item.abandonedBy ??= new Set()).add(from);
    if (this.#untriedStreamExists(item)) {
      this.#logger.debug(
        { streamId: from, instanceId: item.instanceId },
        `${item.description} was abandoned by its worker; offering it to another one`,
      );
      this.#waiting.unshift(item);
      this.#pump();
      return;
    }
    this.#finish(item);
    item.reply.reject(new WorkItemAbandonedError(item.description));
  }

  /** Whether a connected stream accepts the item and has not abandoned it (room or not). */
  #untriedStreamExists(item: PendingItem): boolean {
    for (const stream of this.#streams.values()) {
      if (!item.abandonedBy?.has(stream.id) && accepts(stream.options, item.target)) return true;
    }
    return false;
  }

  /**
   * Waiting items that only streams which abandoned them could still take go back to the caller
   * (a stream they were waiting for ended): they would otherwise wait for a worker that may never come.
   */
  #returnAbandonedWithNowhereToGo(): void {
    const stranded = this.#waiting.filter(
      (item) => item.abandonedBy !== undefined && !this.#untriedStreamExists(item),
    );
    for (const item of stranded) {
      this.#finish(item);
      item.reply.reject(new WorkItemAbandonedError(item.description));
    }
  }

  #connect(streamId: string, peer: string, options: StreamOptions, outbox: StreamOutbox): void {
    if (this.#shutDown || this.#streams.has(streamId)) {
      outbox.close();
      return;
    }
    this.#streams.set(streamId, {
      id: streamId,
      peer,
      stalled: false,
      stalls: 0,
      options,
      outbox,
      outstanding: new Set(),
      counts: { orchestrator: 0, activity: 0 },
    });
    this.#logger.debug({ streamId, peer }, 'work item stream connected');
    this.#pump();
  }

  #disconnect(streamId: string, why: string): void {
    const stream = this.#streams.get(streamId);
    if (stream === undefined) return;
    this.#streams.delete(streamId);
    stream.outbox.close();
    const orphans: PendingItem[] = [];
    for (const item of stream.outstanding) {
      if (item.token !== undefined) this.#byToken.delete(item.token);
      item.token = undefined;
      item.streamId = undefined;
      const losses = this.#noteLoss(item.key);
      if (losses < MAX_STREAM_LOSSES) {
        orphans.push(item);
        continue;
      }
      // A worker that dies on this item every time would get it back in a hot loop: hand it back
      // to the caller, which abandons it to the store with a growing delay and says so.
      this.#byId.delete(item.itemId);
      this.#byKey.delete(item.key);
      this.#logger.warn(
        { streamId, instanceId: item.instanceId, losses },
        `${item.description} was lost with its worker stream ${losses} times; handing it back`,
      );
      item.reply.reject(new WorkItemLostError(item.description, losses));
    }
    // Orphans were dispatched before anything still waiting: they go first.
    this.#waiting = [...orphans, ...this.#waiting];
    this.#returnAbandonedWithNowhereToGo();
    // A stream that ends with nothing outstanding is routine (the transport logged its opening).
    const level = orphans.length > 0 ? 'info' : 'debug';
    this.#logger[level]({ streamId, redispatched: orphans.length }, `work item stream ${why}`);
    this.#pump();
  }

  /** Finds the outstanding item a completion or abandon refers to, or the error to answer. */
  #match(
    kind: ItemKind,
    token: string,
    instanceId: string,
    taskId: number | undefined,
  ): PendingItem | DurableTaskError {
    const label = kind === 'orchestrator' ? 'orchestrator' : 'activity';
    if (token !== '') {
      const item = this.#byToken.get(token);
      if (item === undefined) {
        return new UnknownWorkItemError(
          `No ${label} work item is outstanding with completion token '${token}' ` +
            '(it was already completed, abandoned, cancelled or re-dispatched).',
        );
      }
      if (item.kind !== kind) {
        return new UnknownWorkItemError(
          `Completion token '${token}' belongs to an ${item.kind} work item, not an ${label} one.`,
        );
      }
      const mismatch =
        (instanceId !== '' && instanceId !== item.instanceId) ||
        (taskId !== undefined && item.kind === 'activity' && taskId !== item.taskId);
      if (mismatch) {
        return new UnknownWorkItemError(
          `Completion token '${token}' belongs to ${item.description}, not to this completion.`,
        );
      }
      return item;
    }
    const key = kind === 'orchestrator' ? orchestratorKey(instanceId) : activityKey(instanceId, taskId ?? 0);
    const item = this.#byKey.get(key);
    if (item === undefined) {
      const what =
        kind === 'orchestrator'
          ? `instance '${instanceId}'`
          : `task ${taskId ?? 0} of instance '${instanceId}'`;
      return new UnknownWorkItemError(`No ${label} work item is outstanding for ${what}.`);
    }
    return item;
  }

  /** Counts one more loss of the work under `key` with its stream; returns the count. */
  #noteLoss(key: string): number {
    const losses = (this.#lossesByKey.get(key) ?? 0) + 1;
    this.#lossesByKey.delete(key);
    this.#lossesByKey.set(key, losses);
    // Bounded: the oldest entries go first (a Map iterates in insertion order).
    for (const oldest of this.#lossesByKey.keys()) {
      if (this.#lossesByKey.size <= MAX_REMEMBERED_LOSSES) break;
      this.#lossesByKey.delete(oldest);
    }
    return losses;
  }

  /** Removes an item from every index and frees its stream's capacity. */
  #finish(item: PendingItem): void {
    this.#byId.delete(item.itemId);
    this.#byKey.delete(item.key);
    if (item.streamId === undefined) this.#waiting = this.#waiting.filter((w) => w !== item);
    this.#release(item);
    this.#pump();
  }

  /** Takes an outstanding item off its stream (token, capacity); it stays known by id and key. */
  #release(item: PendingItem): void {
    if (item.token !== undefined) this.#byToken.delete(item.token);
    item.token = undefined;
    const stream = item.streamId === undefined ? undefined : this.#streams.get(item.streamId);
    if (stream?.outstanding.delete(item)) stream.counts[item.kind]--;
    item.streamId = undefined;
  }

  /** Routes waiting items, oldest first, to streams that accept them and have room. */
  #pump(): void {
    if (this.#waiting.length === 0 || this.#streams.size === 0) return;
    const stillWaiting: PendingItem[] = [];
    for (const item of this.#waiting) {
      const stream = this.#pickStream(item);
      if (stream) this.#dispatch(item, stream);
      else stillWaiting.push(item);
    }
    this.#waiting = stillWaiting;
  }

  /**
   * The least loaded stream whose filters accept the item, which has room for its kind and has
   * not abandoned it. An item that no connected stream's filters accept is named in a warning,
   * once per key: it waits for a worker that registers it.
   */
  #pickStream(item: PendingItem): ConnectedStream | undefined {
    let best: ConnectedStream | undefined;
    let accepted = false;
    for (const stream of this.#streams.values()) {
      if (!accepts(stream.options, item.target)) continue;
      accepted = true;
      if (stream.stalled || item.abandonedBy?.has(stream.id)) continue;
      const limit =
        item.kind === 'orchestrator' ? stream.options.maxOrchestrations : stream.options.maxActivities;
      if (limit > 0 && stream.counts[item.kind] >= limit) continue;
      if (best === undefined || stream.outstanding.size < best.outstanding.size) best = stream;
    }
    if (!accepted && this.#streams.size > 0) this.#warnUnroutable(item);
    return best;
  }

  #warnUnroutable(item: PendingItem): void {
    if (!this.#unroutableWarned.first(item.key)) return;
    const { kind, name, version } = item.target;
    this.#logger.warn(
      { instanceId: item.instanceId, kind, name, version, streams: this.#streams.size },
      `no connected worker's work item filters accept ${item.description}` +
        ` (${kind} '${name}'${version === '' ? '' : ` version '${version}'`}); it waits for a worker that registers it`,
    );
  }

  #dispatch(item: PendingItem, stream: ConnectedStream): void {
    const token = this.#newToken();
    item.token = token;
    item.streamId = stream.id; // stamped at routing time: a dying stream gives it back
    this.#byToken.set(token, item);
    stream.outstanding.add(item);
    stream.counts[item.kind]++;
    stream.outbox.send(this.#toWorkItem(item, token, stream));
  }

  #toWorkItem(item: PendingItem, completionToken: string, stream: ConnectedStream): WorkItem {
    if (item.kind === 'activity') {
      return create(WorkItemSchema, {
        request: { case: 'activityRequest', value: item.request },
        completionToken,
      });
    }
    const streamed =
      stream.options.historyStreaming === true &&
      pastEventsExceed(item.request.pastEvents, this.#historyStreamingThresholdBytes);
    return create(WorkItemSchema, {
      request: {
        case: 'orchestratorRequest',
        value: streamed ? withoutPastEvents(item.request) : item.request,
      },
      completionToken,
    });
  }
}

function cancellationError(description: string, reason: unknown): Error {
  if (reason instanceof DurableTaskError) return reason;
  const why = reason instanceof Error ? `: ${reason.message}` : '';
  return new TaskCancelledError(`Waiting for ${description} was cancelled${why}.`);
}
