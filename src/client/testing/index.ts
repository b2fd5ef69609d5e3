export { runTurn } from './run-turn.js';
export { countSubscriptions, createTestBackend, type TestBackend } from './test-backend.js';
export { withoutNotifications } from './without-notifications.js';
