export { backendConformanceSuite, type ConformanceFactory, type ConformanceFixture } from './conformance.js';
export * from './turn-builders.js';
export { leaseActivity, leaseOrchestration } from './lease-one.js';
