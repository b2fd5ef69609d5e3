import { SpanStatusCode, type Span } from '@opentelemetry/api';

/** Marks `span` as failed with the message of `error` (an Error, a string, or anything else). */
export function setSpanError(span: Span, error: unknown): void {
  const message =
    error instanceof Error ? error.message : typeof error === 'string' ? error : 'failed (non-Error thrown)';
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
