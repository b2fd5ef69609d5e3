import * as grpc from '@grpc/grpc-js';
import { isDurableTaskError, type ErrorCode } from '../api/errors.js';

/**
 * The one place that maps engine errors to gRPC status codes. SDKs branch on these codes (for
 * example NOT_FOUND from GetInstance, ALREADY_EXISTS from StartInstance), so keep them stable.
 */
const STATUS_BY_CODE: Readonly<Record<ErrorCode, grpc.status>> = {
  INSTANCE_NOT_FOUND: grpc.status.NOT_FOUND,
  SCHEDULE_NOT_FOUND: grpc.status.NOT_FOUND,
  DUPLICATE_INSTANCE: grpc.status.ALREADY_EXISTS,
  NOT_COMPLETED: grpc.status.FAILED_PRECONDITION,
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  // What gRPC itself answers for a message over the size limit.
  PAYLOAD_TOO_LARGE: grpc.status.RESOURCE_EXHAUSTED,
  LOCK_LOST: grpc.status.ABORTED,
  TIMEOUT: grpc.status.DEADLINE_EXCEEDED,
  NOT_SUPPORTED: grpc.status.UNIMPLEMENTED,
  SHUTDOWN: grpc.status.UNAVAILABLE,
  TASK_CANCELLED: grpc.status.CANCELLED,
  NON_DETERMINISM: grpc.status.INTERNAL,
  TASK_FAILED: grpc.status.INTERNAL,
  ORCHESTRATION_FAILED: grpc.status.INTERNAL,
  HTTP_LISTEN_FAILED: grpc.status.INTERNAL,
};

export interface GrpcStatusError {
  readonly code: grpc.status;
  readonly details: string;
}

export function toGrpcStatus(err: unknown): GrpcStatusError {
  if (isDurableTaskError(err)) {
    const message = (err as { message?: unknown }).message;
    return { code: STATUS_BY_CODE[err.code], details: typeof message === 'string' ? message : err.code };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: grpc.status.INTERNAL, details: `Internal error: ${message}` };
}

/** The status to end a server stream with (`call.emit('error', ...)` takes an Error-like object). */
export function toGrpcStreamError(err: unknown): Error & GrpcStatusError {
  const status = toGrpcStatus(err);
  return Object.assign(new Error(status.details), status);
}
