import { OrchestrationStatus } from '../proto/orchestrator_service_pb.js';

export { OrchestrationStatus };

/** The statuses after which an instance never runs again (until rewound or restarted). */
const TERMINAL: ReadonlySet<OrchestrationStatus> = new Set([
  OrchestrationStatus.COMPLETED,
  OrchestrationStatus.FAILED,
  OrchestrationStatus.TERMINATED,
  OrchestrationStatus.CANCELED,
]);

export function isTerminalStatus(status: OrchestrationStatus): boolean {
  return TERMINAL.has(status);
}

/** `COMPLETED` for `OrchestrationStatus.COMPLETED`: the short name used in logs and queries. */
export function statusName(status: OrchestrationStatus): string {
  return OrchestrationStatus[status] ?? `UNKNOWN(${status})`;
}
