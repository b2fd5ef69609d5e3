export {
  DEFAULT_CONNECTION_LIMITS,
  SidecarServer,
  type ConnectionLimits,
  type ListenOptions,
  type SidecarServerOptions,
} from './sidecar-server.js';
export {
  sidecarServiceDefinition,
  sidecarMethods,
  type SidecarHandlers,
  type SidecarMethodName,
  type SidecarRequest,
  type SidecarResponse,
  type SidecarServiceDefinition,
} from './service-definition.js';
export { WorkItemsService, type WorkItemsServiceOptions } from './work-items-service.js';
export {
  Sidecar,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_SIDECAR_PORT,
  type SidecarAddress,
  type SidecarListenOptions,
  type SidecarOptions,
} from './sidecar.js';
export { createClientHandlers, type ClientRpcDeps } from './client-rpcs/index.js';
