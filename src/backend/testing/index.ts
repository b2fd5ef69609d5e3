export { backendConformanceSuite, type ConformanceFactory, type ConformanceFixture } from './conformance.js';
export * from './turn-builders.js';
