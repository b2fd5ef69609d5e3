import { create, toBinary } from '@bufbuild/protobuf';
import type * as grpc from '@grpc/grpc-js';
import { InstanceNotFoundError } from '../../api/errors.js';
import {
  HistoryChunkSchema,
  HistoryEventSchema,
  type HistoryChunk,
  type HistoryEvent,
  type StreamInstanceHistoryRequest,
} from '../../proto/orchestrator_service_pb.js';
import type { SidecarHandlers } from '../service-definition.js';
import { toGrpcStreamError } from '../status-codes.js';
import type { ClientRpcDeps } from './deps.js';
import { nonEmpty } from './payloads.js';

/** Chunk bounds: well under any sane message limit, and few enough chunks for short histories. */
const MAX_EVENTS_PER_CHUNK = 500;
const MAX_BYTES_PER_CHUNK = 1024 * 1024;

type HistoryCall = grpc.ServerWritableStream<StreamInstanceHistoryRequest, HistoryChunk>;

/**
 * StreamInstanceHistory: the stored history in HistoryChunks (bounded in count and bytes),
 * honouring back-pressure. A worker fetching the history of its work item
 * (`forWorkItemProcessing`, sent `requiresHistoryStreaming`) gets exactly the past events of its
 * outstanding turn. NOT_FOUND for an unknown instance (the SDKs turn it into an empty
 * history) or for an `executionId` other than the current one: only the latest execution's
 * history is kept after continue-as-new.
 */
export function historyHandlers(deps: ClientRpcDeps): SidecarHandlers {
  return {
    streamInstanceHistory: (call: HistoryCall) => {
      streamHistory(deps, call).then(
        () => {
          if (!call.cancelled) call.end();
        },
        (err: unknown) => {
          if (!call.cancelled) call.emit('error', toGrpcStreamError(err));
        },
      );
    },
  };
}

async function streamHistory(deps: ClientRpcDeps, call: HistoryCall): Promise<void> {
  const { instanceId } = call.request;
  const executionId = nonEmpty(call.request.executionId);
  const history = call.request.forWorkItemProcessing
    ? (deps.outstandingTurnHistory?.(instanceId, executionId) ??
      (await storedHistory(deps, instanceId, executionId)))
    : await storedHistory(deps, instanceId, executionId);
  for (const chunk of chunksOf(history)) {
    if (call.cancelled) return;
    if (!call.write(chunk)) await drained(call);
  }
}

/** The store's history of the instance, of the given execution when one is named. */
async function storedHistory(
  deps: ClientRpcDeps,
  instanceId: string,
  executionId: string | undefined,
): Promise<readonly HistoryEvent[]> {
  const history = await deps.client.getOrchestrationHistory(instanceId);
  if (executionId !== undefined) {
    const state = await deps.client.getOrchestrationState(instanceId, { fetchPayloads: false });
    if (state === undefined) throw new InstanceNotFoundError(instanceId);
    if (state.executionId !== executionId) {
      throw Object.assign(new InstanceNotFoundError(instanceId), {
        message: `Execution '${executionId}' of orchestration instance '${instanceId}' is not stored; only the latest execution ('${state.executionId}') is kept.`,
      });
    }
  }
  return history;
}

function* chunksOf(history: readonly HistoryEvent[]): Generator<HistoryChunk> {
  let events: HistoryEvent[] = [];
  let bytes = 0;
  for (const event of history) {
    const size = toBinary(HistoryEventSchema, event).byteLength;
    if (events.length > 0 && (events.length >= MAX_EVENTS_PER_CHUNK || bytes + size > MAX_BYTES_PER_CHUNK)) {
      yield create(HistoryChunkSchema, { events });
      events = [];
      bytes = 0;
    }
    events.push(event);
    bytes += size;
  }
  // An empty history (a pending instance) still answers one empty chunk.
  if (events.length > 0 || history.length === 0) yield create(HistoryChunkSchema, { events });
}

/** Resolves when the write buffer empties or the call ends, whichever comes first. */
function drained(call: HistoryCall): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.removeListener('drain', done);
      call.removeListener('cancelled', done);
      call.removeListener('close', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
    call.on('close', done);
  });
}
