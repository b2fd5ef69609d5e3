import type { SidecarHandlers } from '../service-definition.js';
import type { ClientRpcDeps } from './deps.js';
import { entityHandlers } from './entities.js';
import { getAndWaitHandlers } from './get-and-wait.js';
import { historyHandlers } from './history.js';
import { instanceEventHandlers } from './instance-events.js';
import { purgeHandlers } from './purge.js';
import { queryHandlers } from './queries.js';
import { rewindRestartHandlers } from './rewind-restart.js';
import { startInstanceHandlers } from './start-instance.js';
import { taskHubHandlers } from './task-hub.js';

export type { ClientRpcDeps } from './deps.js';

/** Every client rpc of TaskHubSidecarService, for `SidecarServer`'s `clientHandlers`. */
export function createClientHandlers(deps: ClientRpcDeps): SidecarHandlers {
  return {
    ...startInstanceHandlers(deps),
    ...getAndWaitHandlers(deps),
    ...instanceEventHandlers(deps),
    ...queryHandlers(deps),
    ...purgeHandlers(deps),
    ...historyHandlers(deps),
    ...rewindRestartHandlers(deps),
    ...taskHubHandlers(deps),
    ...entityHandlers(),
  };
}
