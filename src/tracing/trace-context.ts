import { create } from '@bufbuild/protobuf';
import {
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import { TraceContextSchema, type TraceContext } from '../proto/orchestrator_service_pb.js';

/**
 * The protocol carries trace context as W3C `traceparent` strings (`TraceContext` messages on
 * CreateInstanceRequest, ExecutionStartedEvent, ScheduleTaskAction, ActivityRequest, …). These
 * convert between them and OpenTelemetry span contexts.
 */

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The span context a `traceparent` names, or undefined when it is missing or malformed. */
export function spanContextOf(traceContext: TraceContext | undefined): SpanContext | undefined {
  const match = traceContext?.traceParent ? TRACEPARENT.exec(traceContext.traceParent) : null;
  if (!match) return undefined;
  const spanContext: SpanContext = {
    traceId: match[1] ?? '',
    spanId: match[2] ?? '',
    traceFlags: Number.parseInt(match[3] ?? '0', 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** A context whose parent is the span `traceContext` names; the root context when it names none. */
export function parentContextOf(traceContext: TraceContext | undefined): Context {
  const spanContext = spanContextOf(traceContext);
  return spanContext ? trace.setSpanContext(ROOT_CONTEXT, spanContext) : ROOT_CONTEXT;
}

/** The protocol form of `span`'s context, or undefined for a span that records nothing. */
export function traceContextOf(span: Span): TraceContext | undefined {
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  const traceState = spanContext.traceState?.serialize();
  return create(TraceContextSchema, {
    traceParent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`,
    spanID: spanContext.spanId,
    ...(traceState && { traceState }),
  });
}

/** The active context with `span` set on it: for children of `span`. */
export function contextWith(span: Span): Context {
  return trace.setSpan(context.active(), span);
}
