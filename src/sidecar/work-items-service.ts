import { SILENT_LOGGER, type LogSink } from '../logging/logger.js';
import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import type * as grpc from '@grpc/grpc-js';
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
}

/**
 * The worker-facing rpcs bound to a RemoteExecutor: Hello, GetWorkItems (one executor stream per
 * call), CompleteOrchestratorTask, CompleteActivityTask and the two Abandon rpcs. Keeps the open
 * streams so the server can end them when it stops.
 */
export class WorkItemsService {
  readonly #executor: RemoteExecutor;
  readonly #logger: LogSink;
  readonly #newStreamId: () => string;
  readonly #open = new Map<string, { sink: GrpcWorkItemSink; connection: StreamConnection }>();

  constructor(executor: RemoteExecutor, options: WorkItemsServiceOptions = {}) {
    this.#executor = executor;
    this.#logger = options.logger ?? SILENT_LOGGER;
    this.#newStreamId = options.newStreamId ?? randomUUID;
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
  }

  #openStream(call: grpc.ServerWritableStream<GetWorkItemsRequest, WorkItem>): void {
    const streamId = this.#newStreamId();
    const sink = new GrpcWorkItemSink(streamId, call);
    const connection = this.#executor.connectStream(sink, streamOptionsFromRequest(call.request));
    this.#open.set(streamId, { sink, connection });
    this.#logger.info({ streamId, peer: call.getPeer() }, 'work item stream opened');

    call.on('drain', () => connection.drained());
    const gone = (): void => {
      if (!this.#open.delete(streamId)) return;
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
