import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/**
 * Registers a global tracer provider that keeps every finished span in memory, as an app that
 * configures OpenTelemetry would (one per test process: node's runner runs each file in its own).
 */
export function collectSpans(): { spans(): readonly ReadableSpan[]; close(): Promise<void> } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  if (!trace.setGlobalTracerProvider(provider)) throw new Error('a tracer provider was already registered');
  return {
    spans: () => exporter.getFinishedSpans(),
    close: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}

export function parentSpanIdOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

/** The spans named `name`; fails the test when there are none. */
export function spansNamed(spans: readonly ReadableSpan[], name: string): ReadableSpan[] {
  const found = spans.filter((s) => s.name === name);
  if (found.length === 0) {
    throw new Error(`no span named ${name}; spans: ${spans.map((s) => s.name).join(', ')}`);
  }
  return found;
}
