export { DurableTaskEngine, type DurableTaskEngineOptions } from './durable-task-engine.js';
