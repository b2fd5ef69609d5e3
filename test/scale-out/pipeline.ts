import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ActivityContext,
  AsyncOrchestratorGenerator,
  OrchestrationContext,
  Registry,
} from '../../src/index.js';

/**
 * The load of the scale-out tests: an orchestration that calls a sequence of activities, each
 * on the previous result, then fans out and in. Turns and activities take a little time, so a
 * process killed under load has both in flight. Outputs depend only on the seed, so the test
 * knows every instance's right output; activity results also carry the id of the run that
 * produced them, so the test can tell which run's result the history kept.
 */

export const PIPELINE_NAME = 'scaleOutPipeline';
const STEP_ACTIVITY = 'scaleOutStep';
const SCALE_ACTIVITY = 'scaleOutScale';

export const SEQUENCE_LENGTH = 3;
export const FAN_OUT = 4;
/** Activities per instance: the sequence, then the fan-out. */
export const ACTIVITIES_PER_INSTANCE = SEQUENCE_LENGTH + FAN_OUT;

export interface PipelineTiming {
  /** Time a turn spends in orchestrator code (only on new work, not on replay). */
  readonly turnWorkMs: number;
  /** Time one activity run takes. */
  readonly activityWorkMs: number;
}

export interface PipelineHooks {
  /** Called when an activity run starts; returns an id for the run. */
  activityRunStarted(instanceId: string, taskId: number): Promise<number>;
}

export interface PipelineInput {
  readonly seed: number;
}

export interface PipelineOutput {
  readonly seed: number;
  readonly chain: number;
  readonly parts: readonly number[];
}

interface ActivityResult {
  readonly value: number;
  /** The id of the run that produced this result. */
  readonly run: number;
}

function stepValue(value: number, step: number): number {
  return value * 2 + step + 1;
}

function scaleValue(value: number, factor: number): number {
  return value * factor;
}

/** The output every instance with this seed must end with. */
export function expectedOutput(seed: number): PipelineOutput {
  let chain = seed;
  for (let step = 0; step < SEQUENCE_LENGTH; step += 1) chain = stepValue(chain, step);
  const parts = Array.from({ length: FAN_OUT }, (_, index) => scaleValue(chain, index + 1));
  return { seed, chain, parts };
}

/** The run id inside an activity result as stored in history (JSON). */
export function runIdOfResult(result: string | undefined): number | undefined {
  if (result === undefined) return undefined;
  const parsed = JSON.parse(result) as Partial<ActivityResult>;
  return parsed.run;
}

export function registerPipeline(registry: Registry, hooks: PipelineHooks, timing: PipelineTiming): Registry {
  async function turnWork(ctx: OrchestrationContext): Promise<void> {
    if (!ctx.isReplaying) await sleep(timing.turnWorkMs);
  }

  async function* scaleOutPipeline(
    ctx: OrchestrationContext,
    input: PipelineInput,
  ): AsyncOrchestratorGenerator<PipelineOutput> {
    let chain = input.seed;
    for (let step = 0; step < SEQUENCE_LENGTH; step += 1) {
      await turnWork(ctx);
      const result = (yield ctx.callActivity(STEP_ACTIVITY, { value: chain, step })) as ActivityResult;
      chain = result.value;
    }
    await turnWork(ctx);
    const parts = (yield ctx.whenAll(
      Array.from({ length: FAN_OUT }, (_, index) =>
        ctx.callActivity(SCALE_ACTIVITY, { value: chain, factor: index + 1 }),
      ),
    )) as ActivityResult[];
    await turnWork(ctx);
    return { seed: input.seed, chain, parts: parts.map((part) => part.value) };
  }

  async function scaleOutStep(
    ctx: ActivityContext,
    input: { value: number; step: number },
  ): Promise<ActivityResult> {
    const run = await hooks.activityRunStarted(ctx.orchestrationId, ctx.taskId);
    await sleep(timing.activityWorkMs);
    return { value: stepValue(input.value, input.step), run };
  }

  async function scaleOutScale(
    ctx: ActivityContext,
    input: { value: number; factor: number },
  ): Promise<ActivityResult> {
    const run = await hooks.activityRunStarted(ctx.orchestrationId, ctx.taskId);
    await sleep(timing.activityWorkMs);
    return { value: scaleValue(input.value, input.factor), run };
  }

  return registry
    .addNamedOrchestrator(PIPELINE_NAME, scaleOutPipeline)
    .addNamedActivity(STEP_ACTIVITY, scaleOutStep)
    .addNamedActivity(SCALE_ACTIVITY, scaleOutScale);
}
