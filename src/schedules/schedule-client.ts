import { isDurableTaskError, ScheduleNotFoundError } from '../api/errors.js';
import type { InstanceState } from '../api/instance.js';
import { OrchestrationStatus } from '../api/status.js';
import type { TaskHubClient } from '../client/task-hub-client.js';
import { assertValidScheduleId, assertValidScheduleSpec, type ScheduleSpec } from './schedule-spec.js';
import {
  SCHEDULE_COMMAND_EVENT,
  SCHEDULE_INSTANCE_PREFIX,
  SCHEDULE_ORCHESTRATOR,
  scheduleInstanceId,
  type ScheduleCommand,
  type ScheduleInfo,
  type ScheduleState,
} from './schedule-state.js';

/** The statuses of a schedule that exists (a deleted one is terminated, then purged). */
const LIVE_STATUSES = [
  OrchestrationStatus.PENDING,
  OrchestrationStatus.RUNNING,
  OrchestrationStatus.SUSPENDED,
  OrchestrationStatus.COMPLETED,
];
const DELETE_WAIT_MS = 30_000;

/**
 * Durable schedules: create, list, get, pause, resume, trigger now, update and delete. Each
 * schedule is an orchestration instance (`durabletask.schedule:<id>`) run by any engine or
 * sidecar on the store, so schedules survive restarts and fire once per tick across processes.
 * Commands are events: `get` shows their effect once the schedule has handled them.
 */
export class ScheduleClient {
  readonly #client: TaskHubClient;

  constructor(client: TaskHubClient) {
    this.#client = client;
  }

  /** Creates a schedule; a DuplicateInstanceError when one with this id exists. */
  async create(id: string, spec: ScheduleSpec): Promise<void> {
    assertValidScheduleId(id);
    assertValidScheduleSpec(spec);
    const state: ScheduleState = {
      id,
      spec,
      createdAt: Date.now(),
      paused: false,
      counts: { started: 0, skipped: 0, missed: 0 },
    };
    await this.#client.scheduleNewOrchestration(SCHEDULE_ORCHESTRATOR, state, {
      instanceId: scheduleInstanceId(id),
      // A schedule past its end, or deleted, may be created again; a live one may not.
      reusePolicy: { replaceableStatuses: [OrchestrationStatus.COMPLETED, OrchestrationStatus.TERMINATED] },
    });
  }

  async get(id: string): Promise<ScheduleInfo | undefined> {
    assertValidScheduleId(id);
    const instance = await this.#client.getOrchestrationState(scheduleInstanceId(id));
    return instance && LIVE_STATUSES.includes(instance.status) ? infoOf(instance) : undefined;
  }

  /** Every schedule, in id order. */
  async list(): Promise<ScheduleInfo[]> {
    const schedules: ScheduleInfo[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.#client.queryInstances({
        instanceIdPrefix: SCHEDULE_INSTANCE_PREFIX,
        namePrefix: SCHEDULE_ORCHESTRATOR,
        statuses: LIVE_STATUSES,
        includePayloads: true,
        pageSize: 500,
        ...(continuationToken !== undefined && { continuationToken }),
      });
      for (const instance of page.items) {
        if (instance.name === SCHEDULE_ORCHESTRATOR) schedules.push(infoOf(instance));
      }
      continuationToken = page.continuationToken;
    } while (continuationToken !== undefined);
    return schedules.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  pause(id: string): Promise<void> {
    return this.#command(id, { kind: 'pause' });
  }

  resume(id: string): Promise<void> {
    return this.#command(id, { kind: 'resume' });
  }

  /** Starts a run now, whatever the overlap policy; the schedule's ticks go on as before. */
  trigger(id: string): Promise<void> {
    return this.#command(id, { kind: 'trigger' });
  }

  /** Replaces what and when the schedule runs; ticks count from now. */
  async update(id: string, spec: ScheduleSpec): Promise<void> {
    assertValidScheduleSpec(spec);
    await this.#command(id, { kind: 'update', spec });
  }

  /**
   * Stops the schedule and removes it; runs it started are left alone. The stop is carried out by
   * an engine or sidecar running on the store: resolves true once the schedule is removed, false
   * when none did so within `timeoutMs` (the stop then stays queued, and the schedule is gone as
   * soon as one runs).
   */
  async delete(id: string, options: { readonly timeoutMs?: number } = {}): Promise<boolean> {
    await this.#require(id);
    const instanceId = scheduleInstanceId(id);
    try {
      await this.#client.terminateOrchestration(instanceId, { output: 'schedule deleted' });
    } catch (err) {
      // A schedule past its end has completed already: nothing to stop.
      if (!isDurableTaskError(err)) throw err;
    }
    try {
      await this.#client.waitForOrchestrationCompletion(instanceId, {
        timeoutMs: options.timeoutMs ?? DELETE_WAIT_MS,
        fetchPayloads: false,
      });
    } catch (err) {
      if (isDurableTaskError(err, 'TIMEOUT')) return false;
      throw err;
    }
    await this.#client.purgeOrchestration(instanceId);
    return true;
  }

  async #command(id: string, command: ScheduleCommand): Promise<void> {
    const info = await this.#require(id);
    if (info.state === 'completed') {
      throw new ScheduleNotFoundError(id);
    }
    await this.#client.raiseOrchestrationEvent(scheduleInstanceId(id), SCHEDULE_COMMAND_EVENT, command);
  }

  async #require(id: string): Promise<ScheduleInfo> {
    const info = await this.get(id);
    if (!info) throw new ScheduleNotFoundError(id);
    return info;
  }
}

/** The schedule's last reported status; before its first turn, what it was created with. */
function infoOf(instance: InstanceState): ScheduleInfo {
  if (instance.customStatus !== undefined) return JSON.parse(instance.customStatus) as ScheduleInfo;
  const state = JSON.parse(instance.input ?? '{}') as ScheduleState;
  return { ...state, state: state.paused ? 'paused' : 'active' };
}
