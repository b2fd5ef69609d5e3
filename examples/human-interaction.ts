/**
 * Human interaction: an orchestration asks for approval and waits for an 'approval' event, but
 * no longer than a deadline (a durable timer raced with whenAny). One request is approved, the
 * other times out and is escalated. Run: `node --import tsx examples/human-interaction.ts`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DurableTaskEngine,
  OrchestrationStatus,
  Registry,
  SqliteBackend,
  statusName,
  type ActivityContext,
  type OrchestrationContext,
  type OrchestratorGenerator,
} from '../src/index.js';

interface ApprovalRequest {
  readonly order: string;
  readonly timeoutSeconds: number;
}

interface Approval {
  readonly approver: string;
}

function requestApproval(_ctx: ActivityContext, order: string): string {
  return `approval requested for ${order}`;
}

function escalate(_ctx: ActivityContext, order: string): string {
  return `${order} escalated to a manager`;
}

function* approvalWorkflow(
  ctx: OrchestrationContext,
  request: ApprovalRequest,
): OrchestratorGenerator<string> {
  yield ctx.callActivity(requestApproval, request.order);
  ctx.setCustomStatus('waiting for approval');
  const approval = ctx.waitForExternalEvent<Approval>('approval');
  const deadline = ctx.createTimer(request.timeoutSeconds);
  const winner: unknown = yield ctx.whenAny([approval, deadline]);
  if (winner === approval) {
    deadline.cancel(); // the timer is no longer needed
    return `${request.order} approved by ${approval.getResult().approver}`;
  }
  const escalated = (yield ctx.callActivity(escalate, request.order)) as string;
  return `${escalated} after ${request.timeoutSeconds} s without approval`;
}

const dir = await mkdtemp(join(tmpdir(), 'durabletask-example-'));
const engine = new DurableTaskEngine({
  backend: new SqliteBackend({ path: join(dir, 'approvals.db') }),
  registry: new Registry()
    .addActivity(requestApproval)
    .addActivity(escalate)
    .addOrchestrator(approvalWorkflow),
});
try {
  await engine.start();
  const { client } = engine;
  const approved = await client.scheduleNewOrchestration(approvalWorkflow, {
    order: 'order-1',
    timeoutSeconds: 30,
  });
  const ignored = await client.scheduleNewOrchestration(approvalWorkflow, {
    order: 'order-2',
    timeoutSeconds: 1,
  });

  // A person approves the first order once it is waiting.
  await client.waitForOrchestrationStart(approved, { timeoutMs: 30_000 });
  await client.raiseOrchestrationEvent(approved, 'approval', { approver: 'Ada' });

  for (const id of [approved, ignored]) {
    const state = await client.waitForOrchestrationCompletion(id, { timeoutMs: 30_000 });
    console.log(`${statusName(state.status)}: ${state.output ?? '(none)'}`);
    if (state.status !== OrchestrationStatus.COMPLETED) process.exitCode = 1;
  }
} finally {
  await engine.client.stop();
  await engine.stop();
  await rm(dir, { recursive: true, force: true });
}
