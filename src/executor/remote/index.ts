export { RemoteExecutor, type RemoteExecutorOptions, type StreamConnection } from './remote-executor.js';
export type { ExecutorStats } from './handler.js';
export { DEFAULT_HISTORY_STREAMING_THRESHOLD_BYTES } from './history-streaming.js';
export { DuplicateWorkItemError, UnknownWorkItemError, WorkItemAbandonedError } from './errors.js';
export { ACCEPT_EVERYTHING, streamOptionsFromRequest, type StreamOptions } from './routing.js';
export type { StreamOutbox, WorkItemSink } from './work-item-sink.js';
