/**
 * `durabletask-ts/testing`: what tests of orchestrations and of backends need, kept out of the
 * main entry point.
 *
 * - `FakeClock`: the one virtual clock; pass it as `clock` to a worker, a client, a remote
 *   executor or a backend, and move time with `advance` (`pendingCount` checks for leaks).
 * - History builders: one constructor per history event (`taskScheduledEvent`,
 *   `timerFiredEvent`, ...), `confirmActions` (the events an engine records for a turn's
 *   actions) and `replayOrchestration` (one turn of the SDK's replay), for "given this history,
 *   expect these actions" tests.
 * - The backend conformance suite: `backendConformanceSuite(name, factory)` runs, under
 *   `node:test`, every behaviour both built-in backends pass; a third-party `Backend` runs it too.
 *   The turn builders and `leaseOrchestration`/`leaseActivity` help write further backend tests.
 */
export { FAKE_CLOCK_START_MS, FakeClock } from '../loop/testing/fake-clock.js';
export * from '../runtime/history-events.js';
export { confirmActions } from '../sdk/history-builder.js';
export { replayOrchestration, type ReplayOptions, type ReplayRequest } from '../sdk/replay.js';
export * from '../backend/testing/index.js';
export { LONG_LOCK_MS, SHORT_LOCK_MS } from '../backend/testing/conformance-context.js';
