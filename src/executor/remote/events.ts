import type { Reply } from '../../loop/index.js';
import type {
  ActivityRequest,
  ActivityResponse,
  OrchestratorRequest,
  OrchestratorResponse,
} from '../../proto/orchestrator_service_pb.js';
import type { StreamOptions } from './routing.js';
import type { StreamOutbox } from './work-item-sink.js';

/**
 * Events of the remote executor loop: the closed union its handler switches over. Every event
 * with a `reply` is answered on every path (handled, refused, dropped at shutdown).
 */
export type ExecutorEvent =
  | ExecuteOrchestrator
  | ExecuteActivity
  | ConnectStream
  | DisconnectStream
  | CompleteOrchestrator
  | CompleteActivity
  | Abandon
  | SendFailed
  | DeliveryStalled
  | DeliveryResumed
  | Cancel
  | Shutdown;

/**
 * From `RemoteExecutor.executeOrchestrator`: run one turn on a connected worker. The reply
 * resolves with the worker's response; it rejects on duplicate, cancel, abandon or shutdown.
 * `itemId` is unique per call and names the item in a later Cancel.
 */
export interface ExecuteOrchestrator {
  readonly kind: 'ExecuteOrchestrator';
  readonly itemId: number;
  readonly request: OrchestratorRequest;
  readonly reply: Reply<OrchestratorResponse>;
}

/** From `RemoteExecutor.executeActivity`: run one activity; as ExecuteOrchestrator. */
export interface ExecuteActivity {
  readonly kind: 'ExecuteActivity';
  readonly itemId: number;
  readonly request: ActivityRequest;
  readonly reply: Reply<ActivityResponse>;
}

/**
 * From the transport when a worker opens a GetWorkItems stream. `outbox` writes to it. No reply:
 * after shutdown the outbox is closed at once, which ends the stream.
 */
export interface ConnectStream {
  readonly kind: 'ConnectStream';
  readonly streamId: string;
  /** Who is at the other end, for logs; optional for callers that do not know. */
  readonly peer?: string;
  readonly options: StreamOptions;
  readonly outbox: StreamOutbox;
}

/** From the transport when a stream ends (client cancel, error, server stop). Idempotent. */
export interface DisconnectStream {
  readonly kind: 'DisconnectStream';
  readonly streamId: string;
}

/**
 * From CompleteOrchestratorTask. Resolves when the response was matched and handed to the
 * waiting caller; rejects with UnknownWorkItemError (nothing changed) otherwise.
 */
export interface CompleteOrchestrator {
  readonly kind: 'CompleteOrchestrator';
  readonly response: OrchestratorResponse;
  readonly reply: Reply<void>;
}

/** From CompleteActivityTask; as CompleteOrchestrator. */
export interface CompleteActivity {
  readonly kind: 'CompleteActivity';
  readonly response: ActivityResponse;
  readonly reply: Reply<void>;
}

/**
 * From AbandonTask{Orchestrator,Activity}WorkItem (token only, as the proto has it). Resolves once
 * the item's execute promise was rejected with WorkItemAbandonedError; rejects with
 * UnknownWorkItemError for an unknown or stale token.
 */
export interface Abandon {
  readonly kind: 'Abandon';
  readonly itemKind: 'orchestrator' | 'activity';
  readonly completionToken: string;
  readonly reply: Reply<void>;
}

/** From a stream writer whose sink refused a write (stream gone): handled as a disconnect. */
export interface SendFailed {
  readonly kind: 'SendFailed';
  readonly streamId: string;
  readonly error: Error;
}

/**
 * From a stream writer whose peer stopped taking work (its bytes did not leave within the
 * delivery timeout): the items with these tokens go to other streams and the stream gets no new
 * work; a stream that stays stalled or stalls again and again is closed.
 */
export interface DeliveryStalled {
  readonly kind: 'DeliveryStalled';
  readonly streamId: string;
  readonly tokens: readonly string[];
}

/** From a stream writer whose stalled stream delivered again: it gets work again. */
export interface DeliveryResumed {
  readonly kind: 'DeliveryResumed';
  readonly streamId: string;
}

/** From the abort listener of an execute call's signal: the caller stopped waiting. */
export interface Cancel {
  readonly kind: 'Cancel';
  readonly itemId: number;
  readonly reason: unknown;
}

/**
 * The final event (`RemoteExecutor.stop`): rejects every outstanding and waiting item with
 * ShutdownError and closes every stream. Events after it are refused by the closed loop.
 */
export interface Shutdown {
  readonly kind: 'Shutdown';
}
