import { InvalidArgumentError } from '../api/errors.js';
import type { AnyActivity } from './activity.js';
import type { OrchestratorLookup } from './replay.js';
import type { AnyOrchestrator } from './orchestrator.js';

/**
 * The orchestrators and activities a worker can run, by name. Names default to the function's
 * own name, so `ctx.callActivity(sayHello, ...)` finds what `addActivity(sayHello)` registered.
 */
export class Registry implements OrchestratorLookup {
  readonly #orchestrators = new Map<string, AnyOrchestrator>();
  readonly #activities = new Map<string, AnyActivity>();

  addOrchestrator<F extends AnyOrchestrator>(fn: F): this {
    return this.addNamedOrchestrator(requireName(fn, 'addOrchestrator'), fn);
  }

  addNamedOrchestrator<F extends AnyOrchestrator>(name: string, fn: F): this {
    addUnique(this.#orchestrators, 'orchestrator', name, fn);
    return this;
  }

  addActivity<F extends AnyActivity>(fn: F): this {
    return this.addNamedActivity(requireName(fn, 'addActivity'), fn);
  }

  addNamedActivity<F extends AnyActivity>(name: string, fn: F): this {
    addUnique(this.#activities, 'activity', name, fn);
    return this;
  }

  getOrchestrator(name: string): AnyOrchestrator | undefined {
    return this.#orchestrators.get(name);
  }

  getActivity(name: string): AnyActivity | undefined {
    return this.#activities.get(name);
  }

  get orchestratorNames(): string[] {
    return [...this.#orchestrators.keys()];
  }

  get activityNames(): string[] {
    return [...this.#activities.keys()];
  }
}

function requireName(fn: (...args: never[]) => unknown, method: string): string {
  if (!fn.name) throw new InvalidArgumentError(`${method} needs a named function; use the named variant.`);
  return fn.name;
}

function addUnique<T>(map: Map<string, T>, what: string, name: string, fn: T): void {
  if (!name) throw new InvalidArgumentError(`An ${what} name must not be empty.`);
  if (map.has(name)) throw new InvalidArgumentError(`An ${what} named '${name}' is already registered.`);
  map.set(name, fn);
}
