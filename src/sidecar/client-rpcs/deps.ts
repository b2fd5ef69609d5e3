import type { Backend } from '../../backend/backend.js';
import type { TaskHubClient } from '../../client/index.js';
import type { Logger } from '../../logging/logger.js';
import type { HistoryEvent } from '../../proto/orchestrator_service_pb.js';

/** What the client rpcs run on. */
export interface ClientRpcDeps {
  /** Validation, waits, purge, query, history, rewind and restart go through the client. */
  readonly client: TaskHubClient;
  /**
   * The client's store. Start, raise and terminate write to it directly: their payloads arrive
   * already JSON-serialized from the SDK and must be stored byte for byte, not serialized again.
   */
  readonly backend: Backend;
  /** Largest payload (input, event data, terminate output) in UTF-8 bytes. */
  readonly maxPayloadBytes: number;
  readonly logger: Logger;
  /**
   * The past events of an instance's turn outstanding on a worker: what StreamInstanceHistory
   * serves to a worker fetching its work item's history. Absent: the store's history.
   */
  readonly outstandingTurnHistory?: (
    instanceId: string,
    executionId: string | undefined,
  ) => readonly HistoryEvent[] | undefined;
}
