import { describe } from 'node:test';
import { activityConformanceTests } from './conformance-activities.js';
import type { ConformanceFactory } from './conformance-context.js';
import { instanceConformanceTests } from './conformance-instances.js';
import { messageConformanceTests } from './conformance-messages.js';
import { orchestrationConformanceTests } from './conformance-orchestrations.js';
import { queryConformanceTests } from './conformance-queries.js';

export type { ConformanceFactory, ConformanceFixture } from './conformance-context.js';

/**
 * Registers the backend conformance suite with node:test. Every backend runs it: `factory` makes a
 * fresh, started, empty backend per test. With `clock` the suite moves time by hand; without it the
 * suite waits in real time (short leases and delays, a few hundred ms per such test).
 */
export function backendConformanceSuite(name: string, factory: ConformanceFactory): void {
  describe(`backend conformance: ${name}`, () => {
    describe('instances', () => instanceConformanceTests(factory));
    describe('orchestration work items', () => orchestrationConformanceTests(factory));
    describe('activity work items', () => activityConformanceTests(factory));
    describe('messages and notifications', () => messageConformanceTests(factory));
    describe('queries and purges', () => queryConformanceTests(factory));
  });
}
