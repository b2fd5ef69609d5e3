import { context, SpanKind, trace, type Span } from '@opentelemetry/api';
import type { TraceContext } from '../proto/orchestrator_service_pb.js';
import { setSpanError } from './span-errors.js';
import { traceContextOf } from './trace-context.js';
import { SpanAttributes, spanName, TaskTypes, TRACER_NAME } from './span-names.js';

export interface CreateSpan {
  /** What to store in the ExecutionStarted event, so the orchestration's spans become children. */
  readonly traceContext: TraceContext | undefined;
  end(error?: unknown): void;
}

/**
 * The `create_orchestration:<name>` producer span of a client scheduling an instance, a child of
 * the caller's active span (for example the HTTP request that asked for it), as the SDKs' clients
 * make it.
 */
export function startCreateSpan(init: {
  readonly name: string;
  readonly version?: string | undefined;
  readonly instanceId: string;
  readonly executionId: string;
}): CreateSpan {
  const span: Span = trace.getTracer(TRACER_NAME).startSpan(
    spanName(TaskTypes.CREATE_ORCHESTRATION, init.name, init.version),
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        [SpanAttributes.TYPE]: TaskTypes.ORCHESTRATION,
        [SpanAttributes.TASK_NAME]: init.name,
        [SpanAttributes.INSTANCE_ID]: init.instanceId,
        [SpanAttributes.EXECUTION_ID]: init.executionId,
        ...(init.version && { [SpanAttributes.TASK_VERSION]: init.version }),
      },
    },
    context.active(),
  );
  return {
    traceContext: traceContextOf(span),
    end(error?: unknown): void {
      if (error !== undefined) setSpanError(span, error);
      span.end();
    },
  };
}
