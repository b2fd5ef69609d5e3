import { SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { ActivityRequest, ActivityResponse } from '../proto/orchestrator_service_pb.js';
import { setSpanError } from './span-errors.js';
import { parentContextOf } from './trace-context.js';
import { SpanAttributes, spanName, TaskTypes, TRACER_NAME } from './span-names.js';

/**
 * The `activity:<name>` server span of one activity run in this process, child of the turn that
 * scheduled it (the request's parentTraceContext), as the SDKs make it.
 */
export function startActivitySpan(request: ActivityRequest): Span {
  return trace.getTracer(TRACER_NAME).startSpan(
    spanName(TaskTypes.ACTIVITY, request.name, request.version),
    {
      kind: SpanKind.SERVER,
      attributes: {
        [SpanAttributes.TYPE]: TaskTypes.ACTIVITY,
        [SpanAttributes.TASK_NAME]: request.name,
        [SpanAttributes.INSTANCE_ID]: request.orchestrationInstance?.instanceId ?? '',
        [SpanAttributes.TASK_ID]: request.taskId,
        ...(request.version && { [SpanAttributes.TASK_VERSION]: request.version }),
      },
    },
    parentContextOf(request.parentTraceContext),
  );
}

/** Records the activity's outcome and ends its span. */
export function endActivitySpan(span: Span, outcome: ActivityResponse | { readonly error: unknown }): void {
  if ('error' in outcome) setSpanError(span, outcome.error);
  else if (outcome.failureDetails) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.failureDetails.errorMessage });
  }
  span.end();
}
