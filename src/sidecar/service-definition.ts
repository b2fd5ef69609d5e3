import {
  fromBinary,
  toBinary,
  type DescMethod,
  type DescMessage,
  type MessageShape,
} from '@bufbuild/protobuf';
import type * as grpc from '@grpc/grpc-js';
import { TaskHubSidecarService } from '../proto/orchestrator_service_pb.js';

/**
 * The @grpc/grpc-js service definition of TaskHubSidecarService, built from the generated
 * protobuf-es descriptor so every rpc of the proto is present with its real schemas. The proto has
 * no package, so paths are `/TaskHubSidecarService/<Method>` (what every SDK calls).
 */
type Methods = typeof TaskHubSidecarService.method;

export type SidecarMethodName = keyof Methods;
export type SidecarRequest<M extends SidecarMethodName> = MessageShape<Methods[M]['input']>;
export type SidecarResponse<M extends SidecarMethodName> = MessageShape<Methods[M]['output']>;

/** A handler per rpc, typed from the proto; the server fills the missing ones with UNIMPLEMENTED. */
export type SidecarHandlers = {
  [M in SidecarMethodName]?: Methods[M]['methodKind'] extends 'server_streaming'
    ? grpc.handleServerStreamingCall<SidecarRequest<M>, SidecarResponse<M>>
    : grpc.handleUnaryCall<SidecarRequest<M>, SidecarResponse<M>>;
};

export type SidecarServiceDefinition = {
  [M in SidecarMethodName]: grpc.MethodDefinition<SidecarRequest<M>, SidecarResponse<M>>;
};

function methodDefinition(method: DescMethod): grpc.MethodDefinition<unknown, unknown> {
  if (method.methodKind !== 'unary' && method.methodKind !== 'server_streaming') {
    throw new Error(`${method.parent.typeName}.${method.name}: ${method.methodKind} rpcs are not supported`);
  }
  const input: DescMessage = method.input;
  const output: DescMessage = method.output;
  return {
    path: `/${method.parent.typeName}/${method.name}`,
    originalName: method.name,
    requestStream: false,
    responseStream: method.methodKind === 'server_streaming',
    requestSerialize: (value) => Buffer.from(toBinary(input, value as MessageShape<DescMessage>)),
    requestDeserialize: (bytes) => fromBinary(input, bytes),
    responseSerialize: (value) => Buffer.from(toBinary(output, value as MessageShape<DescMessage>)),
    responseDeserialize: (bytes) => fromBinary(output, bytes),
  };
}

export const sidecarServiceDefinition: SidecarServiceDefinition = Object.fromEntries(
  TaskHubSidecarService.methods.map((method) => [method.localName, methodDefinition(method)]),
) as unknown as SidecarServiceDefinition;

/** Every rpc of the service, in proto order. */
export const sidecarMethods: readonly DescMethod[] = TaskHubSidecarService.methods;
