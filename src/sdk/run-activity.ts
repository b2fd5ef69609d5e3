import { create } from '@bufbuild/protobuf';
import { failureDetailsFromError } from '../api/failure-details.js';
import {
  ActivityResponseSchema,
  type ActivityRequest,
  type ActivityResponse,
} from '../proto/orchestrator_service_pb.js';
import type { AnyActivity } from './activity.js';
import { decodePayload, encodePayload } from './payload.js';

/** Finds activities by name (the Registry is one). */
export interface ActivityLookup {
  getActivity(name: string): AnyActivity | undefined;
}

/** The activity named in a request is not registered. */
export class ActivityNotRegisteredError extends Error {
  constructor(name: string) {
    super(`No activity named '${name}' is registered.`);
    this.name = 'ActivityNotRegisteredError';
  }
}

/**
 * Runs one activity and answers with its result or its failure details; it never rejects for
 * the activity's own errors. An unknown activity is a non-retriable failure (a retry on the same
 * worker cannot find it either). `signal` is handed to the activity through its context.
 */
export async function runActivity(
  activities: ActivityLookup,
  request: ActivityRequest,
  signal: AbortSignal,
): Promise<ActivityResponse> {
  const instanceId = request.orchestrationInstance?.instanceId ?? '';
  const answer = (outcome: { result?: string } | { failureDetails: ActivityResponse['failureDetails'] }) =>
    create(ActivityResponseSchema, { instanceId, taskId: request.taskId, ...outcome });

  const activity = activities.getActivity(request.name);
  if (!activity) {
    return answer({
      failureDetails: failureDetailsFromError(new ActivityNotRegisteredError(request.name), {
        nonRetriable: true,
      }),
    });
  }
  try {
    const input = decodePayload(request.input);
    const ctx = { orchestrationId: instanceId, taskId: request.taskId, name: request.name, signal };
    const output = await activity(ctx, input as never);
    const result = encodePayload(output);
    return answer(result === undefined ? {} : { result });
  } catch (err) {
    return answer({ failureDetails: failureDetailsFromError(err) });
  }
}
