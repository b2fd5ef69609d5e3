import { SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import {
  OrchestrationStatus,
  type OrchestratorRequest,
  type OrchestratorResponse,
} from '../proto/orchestrator_service_pb.js';
import { executionStartedOf } from '../runtime/request-start.js';
import { setSpanError } from './span-errors.js';
import { contextWith, parentContextOf, traceContextOf } from './trace-context.js';
import { SpanAttributes, spanName, TaskTypes, timerSpanName, TRACER_NAME } from './span-names.js';

/**
 * The spans of one orchestration turn run in this process, as the SDKs make them: an
 * `orchestration:<name>` server span, child of the span that created the instance (the
 * ExecutionStarted event's parentTraceContext); an `orchestration:<name>:timer` span for each
 * timer the turn sees fire; and the turn's span context written into the activities and
 * sub-orchestrations it schedules, so their spans become its children.
 */
export class OrchestrationTurnSpan {
  readonly #span: Span;
  readonly #tracer: Tracer;
  readonly #name: string;

  private constructor(tracer: Tracer, span: Span, name: string) {
    this.#tracer = tracer;
    this.#span = span;
    this.#name = name;
  }

  static start(request: OrchestratorRequest): OrchestrationTurnSpan | undefined {
    const started = executionStartedOf(request);
    if (!started) return undefined;
    const tracer = trace.getTracer(TRACER_NAME);
    const span = tracer.startSpan(
      spanName(TaskTypes.ORCHESTRATION, started.name, started.version),
      {
        kind: SpanKind.SERVER,
        attributes: {
          [SpanAttributes.TYPE]: TaskTypes.ORCHESTRATION,
          [SpanAttributes.TASK_NAME]: started.name,
          [SpanAttributes.INSTANCE_ID]: request.instanceId,
          ...(request.executionId !== undefined && { [SpanAttributes.EXECUTION_ID]: request.executionId }),
          ...(started.version && { [SpanAttributes.TASK_VERSION]: started.version }),
        },
      },
      parentContextOf(started.parentTraceContext),
    );
    const turn = new OrchestrationTurnSpan(tracer, span, started.name);
    turn.#emitFiredTimers(request);
    return turn;
  }

  /** Links what the turn scheduled to this span, records the outcome and ends the span. */
  finish(response: OrchestratorResponse): void {
    const traceContext = traceContextOf(this.#span);
    for (const action of response.actions) {
      const type = action.orchestratorActionType;
      switch (type.case) {
        case 'scheduleTask':
        case 'createSubOrchestration':
          if (traceContext && !type.value.parentTraceContext) type.value.parentTraceContext = traceContext;
          break;
        case 'completeOrchestration': {
          const status = type.value.orchestrationStatus;
          this.#span.setAttribute(SpanAttributes.STATUS, OrchestrationStatus[status] ?? String(status));
          if (status === OrchestrationStatus.FAILED) {
            this.#span.setStatus({
              code: SpanStatusCode.ERROR,
              message: type.value.failureDetails?.errorMessage ?? 'orchestration failed',
            });
          }
          break;
        }
        case 'createTimer':
        case 'sendEvent':
        case 'terminateOrchestration':
        case 'sendEntityMessage':
        case 'rewindOrchestration':
        case undefined:
          break;
      }
    }
    this.#span.end();
  }

  /** Ends the span of a turn that produced no response (user code threw, or it was aborted). */
  fail(err: unknown): void {
    if (err instanceof Error) this.#span.recordException(err);
    setSpanError(this.#span, err);
    this.#span.end();
  }

  #emitFiredTimers(request: OrchestratorRequest): void {
    for (const event of request.newEvents) {
      if (event.eventType.case !== 'timerFired') continue;
      const { timerId, fireAt } = event.eventType.value;
      const created = request.pastEvents.find(
        (past) => past.eventId === timerId && past.eventType.case === 'timerCreated',
      );
      const span = this.#tracer.startSpan(
        timerSpanName(this.#name),
        {
          kind: SpanKind.INTERNAL,
          ...(created?.timestamp && { startTime: timestampMs(created.timestamp) }),
          attributes: {
            [SpanAttributes.TYPE]: TaskTypes.TIMER,
            [SpanAttributes.TASK_NAME]: this.#name,
            [SpanAttributes.TASK_ID]: timerId,
            [SpanAttributes.INSTANCE_ID]: request.instanceId,
            ...(fireAt && { [SpanAttributes.FIRE_AT]: new Date(timestampMs(fireAt)).toISOString() }),
          },
        },
        contextWith(this.#span),
      );
      span.end();
    }
  }
}
