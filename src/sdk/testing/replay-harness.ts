import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { Logger } from '../../logging/logger.js';
import {
  OrchestrationStatus,
  type HistoryEvent,
  type OrchestratorAction,
  type OrchestratorResponse,
} from '../../proto/orchestrator_service_pb.js';
import { executionStartedEvent, orchestratorStartedEvent } from '../../runtime/history-events.js';
import { confirmActions } from '../history-builder.js';
import { replayOrchestration, type OrchestratorLookup } from '../replay.js';
import type { Orchestrator } from '../orchestrator.js';
import { Registry } from '../registry.js';

/** Replay tests: feed a history turn by turn, read the actions back as short strings. */

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
export const INSTANCE_ID = 'inst-1';

/** One line per action: `#<id> <what> <details>`; times are ms after T0. */
export function describeAction(action: OrchestratorAction): string {
  const kind = action.orchestratorActionType;
  const id = `#${action.id}`;
  const payload = (text: string | undefined): string => text ?? '-';
  switch (kind.case) {
    case 'scheduleTask':
      return `${id} callActivity ${kind.value.name} ${payload(kind.value.input)}`;
    case 'createSubOrchestration':
      return `${id} callSubOrchestrator ${kind.value.name} id=${kind.value.instanceId} ${payload(kind.value.input)}`;
    case 'createTimer':
      return `${id} createTimer @${kind.value.fireAt ? timestampMs(kind.value.fireAt) - T0 : '?'}`;
    case 'sendEvent':
      return `${id} sendEvent ${kind.value.instance?.instanceId ?? ''} ${kind.value.name} ${payload(kind.value.data)}`;
    case 'completeOrchestration': {
      const status = OrchestrationStatus[kind.value.orchestrationStatus];
      const failure = kind.value.failureDetails;
      if (failure) return `${id} ${status} ${failure.errorType}: ${failure.errorMessage}`;
      const carryover = kind.value.carryoverEvents.map((event) =>
        event.eventType.case === 'eventRaised'
          ? `${event.eventType.value.name}=${payload(event.eventType.value.input)}`
          : '?',
      );
      return `${id} ${status} ${payload(kind.value.result)}${carryover.length ? ` carryover=[${carryover.join(',')}]` : ''}`;
    }
    case 'terminateOrchestration':
    case 'sendEntityMessage':
    case 'rewindOrchestration':
    case undefined:
      return `${id} ${kind.case ?? 'empty'}`;
  }
}

export function describeActions(response: OrchestratorResponse): string[] {
  return response.actions.map(describeAction);
}

/** The first turn's new events: OrchestratorStarted and ExecutionStarted. */
export function startEvents(
  name: string,
  input?: unknown,
  instanceId = INSTANCE_ID,
  at = T0,
): HistoryEvent[] {
  return [
    orchestratorStartedEvent(at),
    executionStartedEvent(
      {
        instanceId,
        executionId: 'exec-1',
        name,
        ...(input !== undefined && { input: JSON.stringify(input) }),
      },
      at,
    ),
  ];
}

/**
 * Drives one instance over several turns like an engine would: each turn's new events and the
 * events confirming its actions become past events of the next turn.
 */
export class ReplayScenario {
  readonly #orchestrators: OrchestratorLookup;
  readonly #logger: Logger | undefined;
  readonly instanceId: string;
  past: HistoryEvent[] = [];
  #pendingNew: HistoryEvent[] = [];
  #turn = 0;
  last: OrchestratorResponse | undefined;

  constructor(orchestrators: OrchestratorLookup, options: { instanceId?: string; logger?: Logger } = {}) {
    this.#orchestrators = orchestrators;
    this.#logger = options.logger;
    this.instanceId = options.instanceId ?? INSTANCE_ID;
  }

  /** Time of the current turn: T0 plus one second per turn. */
  get now(): number {
    return T0 + this.#turn * 1000;
  }

  async start(name: string, input?: unknown, extraNewEvents: HistoryEvent[] = []): Promise<string[]> {
    return this.#run([...startEvents(name, input, this.instanceId, T0), ...extraNewEvents]);
  }

  /** The next turn, `events` arriving (an OrchestratorStarted is put first). */
  async next(events: (at: number) => HistoryEvent[]): Promise<string[]> {
    this.#commitLastTurn();
    this.#turn++;
    return this.#run([orchestratorStartedEvent(this.now), ...events(this.now)]);
  }

  /** Replays everything so far as past events plus `newEvents` (a fresh worker's view). */
  async replayAll(newEvents: HistoryEvent[] = []): Promise<string[]> {
    this.#commitLastTurn();
    const response = await replayOrchestration(
      this.#orchestrators,
      { instanceId: this.instanceId, pastEvents: this.past, newEvents },
      this.#options(),
    );
    return describeActions(response);
  }

  #commitLastTurn(): void {
    if (!this.last) return;
    this.past.push(...this.#pendingNew, ...confirmActions(this.last.actions, this.now));
    this.#pendingNew = [];
    this.last = undefined;
  }

  async #run(newEvents: HistoryEvent[]): Promise<string[]> {
    this.#pendingNew = newEvents;
    this.last = await replayOrchestration(
      this.#orchestrators,
      { instanceId: this.instanceId, pastEvents: this.past, newEvents },
      this.#options(),
    );
    return describeActions(this.last);
  }

  #options(): { logger?: Logger } {
    return this.#logger ? { logger: this.#logger } : {};
  }
}

/** A scenario for one orchestrator registered under `name`. */
export function scenarioFor(name: string, orchestrator: Orchestrator<never, unknown>): ReplayScenario {
  return new ReplayScenario(new Registry().addNamedOrchestrator(name, orchestrator));
}
