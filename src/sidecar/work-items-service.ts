import { SILENT_LOGGER, type LogSink } from '../logging/logger.js';
import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import {
  streamOptionsFromRequest,
  type RemoteExecutor,
  type StreamConnection,
} from '../executor/remote/index.js';
import {
  AbandonActivityTaskResponseSchema,
  AbandonOrchestrationTaskResponseSchema,
  CompleteTaskResponseSchema,
  type GetWorkItemsRequest,
  type WorkItem,
} from '../proto/orchestrator_service_pb.js';
import { GrpcWorkItemSink } from './grpc-work-item-sink.js';
import type { SidecarHandlers } from './service-definition.js';
import { unaryHandler } from './unary.js';

export interface WorkItemsServiceOptions {
  readonly logger?: LogSink;
  /** Stream id generator. Default: a random UUID. */
  readonly newStreamId?: () => string;
  /** Most GetWorkItems streams open at once; more are refused (RESOURCE_EXHAUSTED). Default 256. */
  readonly maxStreams?: number;
  /**
   * Most GetWorkItems streams open at once on one client connection (a worker process opens one
   * per worker; grpc-js shares a connection between the clients of a process). Default 16.
   */
  readonly maxStreamsPerConnection?: number;
}

export const DEFAULT_MAX_WORK_ITEM_STREAMS = 256;
export const DEFAULT_MAX_WORK_ITEM_STREAMS_PER_CONNECTION = 16;

/**
 * The worker-facing rpcs bound to a RemoteExecutor: Hello, GetWorkItems (one executor stream per
 * call), CompleteOrchestratorTask, CompleteActivityTask and the two Abandon rpcs. Keeps the open
 * streams so the server can end them when it stops.
 */
export class WorkItemsService {
  readonly #executor: RemoteExecutor;
  readonly #logger: LogSink;
  readonly #newStreamId: () => string;
  readonly #maxStreams: number;
  readonly #maxPerConnection: number;
  readonly #open = new Map<string, { sink: GrpcWorkItemSink; connection: StreamConnection }>();
  /** Open streams per client connection (its peer address). */
  readonly #perConnection = new Map<string, number>();

  constructor(executor: RemoteExecutor, options: WorkItemsServiceOptions = {}) {
    this.#executor = executor;
    this.#logger = options.logger ?? SILENT_LOGGER;
    this.#newStreamId = options.newStreamId ?? randomUUID;
    this.#maxStreams = options.maxStreams ?? DEFAULT_MAX_WORK_ITEM_STREAMS;
    this.#maxPerConnection = options.maxStreamsPerConnection ?? DEFAULT_MAX_WORK_ITEM_STREAMS_PER_CONNECTION;
  }

  get openStreams(): number {
    return this.#open.size;
  }

  handlers(): SidecarHandlers {
    const executor = this.#executor;
    return {
      hello: unaryHandler(async () => create(EmptySchema)),
      getWorkItems: (call) => this.#openStream(call),
      completeOrchestratorTask: unaryHandler(async (response) => {
        await executor.completeOrchestrator(response);
        return create(CompleteTaskResponseSchema);
      }),
      completeActivityTask: unaryHandler(async (response) => {
        await executor.completeActivity(response);
        return create(CompleteTaskResponseSchema);
      }),
      abandonTaskOrchestratorWorkItem: unaryHandler(async (request) => {
        await executor.abandon('orchestrator', request.completionToken);
        return create(AbandonOrchestrationTaskResponseSchema);
      }),
      abandonTaskActivityWorkItem: unaryHandler(async (request) => {
        await executor.abandon('activity', request.completionToken);
        return create(AbandonActivityTaskResponseSchema);
      }),
    };
  }

  /** Ends every open GetWorkItems stream (status OK); their items wait for the next worker. */
  closeAllStreams(): void {
    for (const { sink, connection } of [...this.#open.values()]) {
      connection.disconnect();
      sink.close();
    }
    this.#open.clear();
    this.#perConnection.clear();
  }

  #openStream(call: grpc.ServerWritableStream<GetWorkItemsRequest, WorkItem>): void {
    const peer = call.getPeer();
    const onConnection = this.#perConnection.get(peer) ?? 0;
    const refusal =
      this.#open.size >= this.#maxStreams
        ? `the sidecar already serves ${this.#open.size} work item streams (limit ${this.#maxStreams})`
        : onConnection >= this.#maxPerConnection
          ? `this connection already has ${onConnection} work item streams open (limit ${this.#maxPerConnection})`
          : undefined;
    if (refusal !== undefined) {
      this.#logger.warn({ peer }, `work item stream refused: ${refusal}`);
      const details = `GetWorkItems refused: ${refusal}.`;
      call.emit(
        'error',
        Object.assign(new Error(details), { code: grpc.status.RESOURCE_EXHAUSTED, details }),
      );
      return;
    }
    this.#perConnection.set(peer, onConnection + 1);
    const streamId = this.#newStreamId();
    const sink = new GrpcWorkItemSink(streamId, call);
    const connection = this.#executor.connectStream(sink, streamOptionsFromRequest(call.request));
    this.#open.set(streamId, { sink, connection });
    this.#logger.info({ streamId, peer }, 'work item stream opened');

    call.on('drain', () => connection.drained());
    const gone = (): void => {
      if (!this.#open.delete(streamId)) return;
      const left = (this.#perConnection.get(peer) ?? 1) - 1;
      if (left > 0) this.#perConnection.set(peer, left);
      else this.#perConnection.delete(peer);
      connection.disconnect();
      // The opening line is the one at info: one line per worker connection at the default level.
      this.#logger.debug({ streamId }, 'work item stream closed');
    };
    call.on('cancelled', gone);
    call.on('close', gone);
    call.on('finish', gone);
    call.on('error', (err: Error) => {
      this.#logger.warn({ streamId, err }, 'work item stream failed');
      gone();
    });
  }
}
