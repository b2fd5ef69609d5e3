export { FakeBackend, type FakeBackendOptions } from './fake-backend.js';
export { ManualTimers } from './manual-timers.js';
export { runTurn } from './run-turn.js';
export { withoutNotifications } from './without-notifications.js';
export { countSubscriptions, createTestBackend, type TestBackend } from './test-backend.js';
