import type * as grpc from '@grpc/grpc-js';
import { toGrpcStatus } from './status-codes.js';

/** Adapts a promise-returning function to a grpc-js unary handler; errors become gRPC statuses. */
export function unaryHandler<Req, Res>(
  run: (request: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
) {
  return (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>): void => {
    let answer: Promise<Res>;
    try {
      answer = run(call.request, call);
    } catch (err) {
      callback(toGrpcStatus(err));
      return;
    }
    answer.then(
      (response) => callback(null, response),
      (err: unknown) => callback(toGrpcStatus(err)),
    );
  };
}
