import { create } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import type * as grpc from '@grpc/grpc-js';
import {
  GetWorkItemsRequestSchema,
  OrchestrationStatus,
  OrchestratorResponseSchema,
  type OrchestratorRequest,
  type WorkItem,
} from '../../src/proto/orchestrator_service_pb.js';
import { RawSidecarClient } from '../../src/sidecar/testing/raw-client.js';

/**
 * A minimal worker on the raw protocol, for tests that need instances in given states without an
 * SDK: every turn completes the instance with its input as output, except that an input of
 * '"wait"' keeps it running, and an ExecutionTerminated event ends it as TERMINATED.
 */
export class RawEchoWorker {
  readonly client: RawSidecarClient;
  #stream: grpc.ClientReadableStream<WorkItem> | undefined;
  turns = 0;

  constructor(address: string) {
    this.client = new RawSidecarClient(address);
  }

  async start(): Promise<void> {
    await this.client.unary('hello', create(EmptySchema));
    const stream = this.client.stream('getWorkItems', create(GetWorkItemsRequestSchema, {}));
    this.#stream = stream;
    stream.on('data', (item: WorkItem) => {
      if (item.request.case === 'orchestratorRequest')
        void this.#answer(item.request.value, item.completionToken);
    });
    stream.on('error', () => undefined); // CANCELLED when closed
  }

  async #answer(request: OrchestratorRequest, completionToken: string): Promise<void> {
    this.turns += 1;
    const events = [...request.pastEvents, ...request.newEvents];
    const terminated = request.newEvents.find((e) => e.eventType.case === 'executionTerminated');
    const started = events.find((e) => e.eventType.case === 'executionStarted');
    const input = started?.eventType.case === 'executionStarted' ? started.eventType.value.input : undefined;
    const complete = (status: OrchestrationStatus, result: string | undefined) => ({
      id: 0,
      orchestratorActionType: {
        case: 'completeOrchestration' as const,
        value: { orchestrationStatus: status, ...(result !== undefined && { result }) },
      },
    });
    let actions: ReturnType<typeof complete>[] = [];
    if (terminated?.eventType.case === 'executionTerminated') {
      actions = [complete(OrchestrationStatus.TERMINATED, terminated.eventType.value.input)];
    } else if (input !== '"wait"') {
      actions = [complete(OrchestrationStatus.COMPLETED, input)];
    }
    await this.client
      .unary(
        'completeOrchestratorTask',
        create(OrchestratorResponseSchema, { instanceId: request.instanceId, completionToken, actions }),
      )
      .catch(() => undefined); // the sidecar may be stopping
  }

  close(): void {
    this.#stream?.cancel();
    this.client.close();
  }
}
