import * as grpc from '@grpc/grpc-js';
import type { DescMethod } from '@bufbuild/protobuf';

/** A handler answering UNIMPLEMENTED with a message naming the rpc. */
export function unimplementedHandler(method: DescMethod): grpc.UntypedHandleCall {
  const details = `${method.parent.typeName}/${method.name} is not implemented by this sidecar yet.`;
  if (method.methodKind === 'server_streaming') {
    return (call: grpc.ServerWritableStream<unknown, unknown>) => {
      call.emit('error', Object.assign(new Error(details), { code: grpc.status.UNIMPLEMENTED, details }));
    };
  }
  return (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
    callback({ code: grpc.status.UNIMPLEMENTED, details });
  };
}
