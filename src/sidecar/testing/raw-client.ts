import * as grpc from '@grpc/grpc-js';
import {
  sidecarServiceDefinition,
  type SidecarMethodName,
  type SidecarRequest,
  type SidecarResponse,
} from '../service-definition.js';

/**
 * A bare gRPC client of TaskHubSidecarService for tests: it plays a worker (or a Dapr-style one
 * without completion tokens) with full control over when its stream ends.
 */
export class RawSidecarClient {
  readonly #client: grpc.Client;

  constructor(address: string) {
    this.#client = new grpc.Client(address, grpc.credentials.createInsecure());
  }

  unary<M extends SidecarMethodName>(method: M, request: SidecarRequest<M>): Promise<SidecarResponse<M>> {
    const def = sidecarServiceDefinition[method] as unknown as grpc.MethodDefinition<
      SidecarRequest<M>,
      SidecarResponse<M>
    >;
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        request,
        (err: grpc.ServiceError | null, response?: SidecarResponse<M>) => {
          if (err) reject(err);
          else resolve(response as SidecarResponse<M>);
        },
      );
    });
  }

  stream<M extends SidecarMethodName>(
    method: M,
    request: SidecarRequest<M>,
  ): grpc.ClientReadableStream<SidecarResponse<M>> {
    const def = sidecarServiceDefinition[method] as unknown as grpc.MethodDefinition<
      SidecarRequest<M>,
      SidecarResponse<M>
    >;
    return this.#client.makeServerStreamRequest(
      def.path,
      def.requestSerialize,
      def.responseDeserialize,
      request,
    );
  }

  close(): void {
    this.#client.close();
  }
}
