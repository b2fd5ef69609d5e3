/** The part of a grpc-js server call that reports a cancelled call (client gone or cancelled). */
interface CancellableCall {
  readonly cancelled: boolean;
  on(event: 'cancelled', listener: () => void): unknown;
  removeListener(event: 'cancelled', listener: () => void): unknown;
}

export interface CallSignal {
  /** Aborted when the client cancels the call or disconnects. */
  readonly signal: AbortSignal;
  /** Detaches from the call; call once the answer is sent. */
  readonly release: () => void;
}

/**
 * An AbortSignal that follows a server call, so work started for the call (a long wait on an
 * instance) is dropped with its listeners when the caller goes away. SDK clients send no
 * deadlines, so a cancelled call is the only way such a wait ends early.
 */
export function callSignal(call: CancellableCall): CallSignal {
  const controller = new AbortController();
  const onCancelled = (): void => controller.abort(new Error('The call was cancelled by the client.'));
  if (call.cancelled) onCancelled();
  else call.on('cancelled', onCancelled);
  return {
    signal: controller.signal,
    release: () => void call.removeListener('cancelled', onCancelled),
  };
}
