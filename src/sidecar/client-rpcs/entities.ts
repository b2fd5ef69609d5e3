import { NotSupportedError } from '../../api/errors.js';
import type { SidecarHandlers } from '../service-definition.js';
import { unaryHandler } from '../unary.js';

const ENTITY_RPCS = [
  ['signalEntity', 'SignalEntity'],
  ['getEntity', 'GetEntity'],
  ['queryEntities', 'QueryEntities'],
  ['cleanEntityStorage', 'CleanEntityStorage'],
  ['completeEntityTask', 'CompleteEntityTask'],
  ['abandonTaskEntityWorkItem', 'AbandonTaskEntityWorkItem'],
] as const;

/** The entity rpcs answer UNIMPLEMENTED with a message that says why, until entities exist. */
export function entityHandlers(): SidecarHandlers {
  return Object.fromEntries(
    ENTITY_RPCS.map(([localName, rpc]) => [
      localName,
      unaryHandler(async () => {
        throw new NotSupportedError(`Durable entities are not supported yet by this sidecar (${rpc}).`);
      }),
    ]),
  );
}
