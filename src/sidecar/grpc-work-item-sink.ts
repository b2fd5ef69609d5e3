import type * as grpc from '@grpc/grpc-js';
import type { WorkItemSink } from '../executor/remote/index.js';
import type { GetWorkItemsRequest, WorkItem } from '../proto/orchestrator_service_pb.js';

type WorkItemsCall = grpc.ServerWritableStream<GetWorkItemsRequest, WorkItem>;

/** A GetWorkItems call as the remote executor's sink: `write()` with its back-pressure signal. */
export class GrpcWorkItemSink implements WorkItemSink {
  readonly id: string;
  readonly #call: WorkItemsCall;
  #closed = false;

  constructor(id: string, call: WorkItemsCall) {
    this.id = id;
    this.#call = call;
  }

  send(item: WorkItem): boolean {
    if (this.#closed || this.#call.cancelled || this.#call.writableEnded || this.#call.destroyed) {
      throw new Error(`work item stream ${this.id} is closed`);
    }
    return this.#call.write(item);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#call.cancelled && !this.#call.writableEnded && !this.#call.destroyed) this.#call.end();
  }
}
