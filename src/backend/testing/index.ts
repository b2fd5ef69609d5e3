export { backendConformanceSuite, type ConformanceFactory, type ConformanceFixture } from './conformance.js';
export { createFakeClock, type FakeClock, type FakeClockControls } from './fake-clock.js';
export * from './turn-builders.js';
