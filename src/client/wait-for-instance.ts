import { InstanceNotFoundError, TimeoutError } from '../api/errors.js';
import type { InstanceState } from '../api/instance.js';
import type { Backend } from '../backend/backend.js';
import type { OrchestrationStatus } from '../api/status.js';
import type { UpdateCallback } from './instance-update-router.js';
import { holdProcessOpen, type Clock, type TimerHandle } from '../loop/clock.js';

/**
 * Waits until an instance's state satisfies a condition.
 *
 * Woken by the backend's `instance-updated` notifications for this instance; a slow poll is only
 * a safety net for a lost notification. It subscribes before the first read, so an update that
 * lands between the read and the subscription cannot be missed. Reads never overlap: a wake-up
 * during a read marks the state dirty and one more read follows.
 *
 * Settles exactly once — condition met, instance missing (InstanceNotFoundError), timeout
 * (TimeoutError), abort (the signal's reason), cancel (the given error) or a backend error — and
 * on every path unsubscribes, clears its timers and removes its abort listener.
 */

export interface WaitDependencies {
  readonly backend: Backend;
  /** Poll and timeout timers. */
  readonly clock: Clock;
  /** Safety-net poll interval (ms). */
  readonly pollIntervalMs: number;
  /**
   * Calls `onUpdate` after each update of `instanceId` until the returned function is called.
   * Default: a backend subscription of its own (a client shares one, see InstanceUpdateRouter).
   */
  readonly watch?: (instanceId: string, onUpdate: UpdateCallback) => () => void;
}

export interface WaitRequest {
  readonly instanceId: string;
  /** Words for the timeout message: "to start", "to complete". */
  readonly goal: string;
  readonly isDone: (state: InstanceState) => boolean;
  /**
   * Optional: whether a state with this status may satisfy `isDone`. An update announced with a
   * status that cannot is not read (the update that can will be announced too).
   */
  readonly mayBeDone?: (status: OrchestrationStatus) => boolean;
  readonly fetchPayloads: boolean;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface PendingWait {
  readonly promise: Promise<InstanceState>;
  /** Rejects the wait with `reason` (no-op once settled). */
  cancel(reason: Error): void;
}

export function waitForInstance(deps: WaitDependencies, request: WaitRequest): PendingWait {
  const { backend, clock, pollIntervalMs } = deps;
  const { instanceId, signal } = request;

  let resolvePromise!: (state: InstanceState) => void;
  let rejectPromise!: (reason: unknown) => void;
  const promise = new Promise<InstanceState>((resolve, reject) => {
    resolvePromise = resolve;
    rejectPromise = reject;
  });

  let settled = false;
  let reading = false;
  let readAgain = false;
  let pollHandle: TimerHandle | undefined;
  let timeoutHandle: TimerHandle | undefined;
  // The clock's timers are unref'd; a pending wait keeps the process alive until it settles.
  const release = holdProcessOpen();
  let unsubscribe: (() => void) | undefined;

  const onAbort = (): void => finish(() => rejectPromise(signal?.reason));

  function finish(settle: () => void): void {
    if (settled) return;
    settled = true;
    unsubscribe?.();
    unsubscribe = undefined;
    pollHandle?.cancel();
    timeoutHandle?.cancel();
    pollHandle = timeoutHandle = undefined;
    release();
    signal?.removeEventListener('abort', onAbort);
    settle();
  }

  function schedulePoll(): void {
    pollHandle = clock.setTimer(pollIntervalMs, () => {
      pollHandle = undefined;
      read();
    });
  }

  function read(): void {
    if (settled) return;
    if (reading) {
      readAgain = true;
      return;
    }
    reading = true;
    readAgain = false;
    pollHandle?.cancel();
    pollHandle = undefined;
    backend.getInstance(instanceId, request.fetchPayloads).then(
      (state) => {
        reading = false;
        if (settled) return;
        if (state === undefined) finish(() => rejectPromise(new InstanceNotFoundError(instanceId)));
        else if (request.isDone(state)) finish(() => resolvePromise(state));
        else if (readAgain) read();
        else schedulePoll();
      },
      (err: unknown) => {
        reading = false;
        finish(() => rejectPromise(err));
      },
    );
  }

  if (signal?.aborted) {
    finish(() => rejectPromise(signal.reason));
  } else {
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const onUpdate: UpdateCallback = (status) => {
        if (status === undefined || !request.mayBeDone || request.mayBeDone(status)) read();
      };
      unsubscribe = deps.watch
        ? deps.watch(instanceId, onUpdate)
        : backend.subscribe((notification) => {
            if (notification.kind === 'instance-updated' && notification.instanceId === instanceId) {
              onUpdate(notification.status);
            }
          });
    } catch (err) {
      finish(() => rejectPromise(err));
    }
    if (!settled && request.timeoutMs !== undefined) {
      const timeoutMs = request.timeoutMs;
      timeoutHandle = clock.setTimer(timeoutMs, () => {
        timeoutHandle = undefined;
        finish(() =>
          rejectPromise(
            new TimeoutError(
              `Timed out after ${timeoutMs} ms waiting for orchestration '${instanceId}' ${request.goal}.`,
            ),
          ),
        );
      });
    }
    read();
  }

  return { promise, cancel: (reason) => finish(() => rejectPromise(reason)) };
}
