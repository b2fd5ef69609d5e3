export { Loop, type LoopHandler, type LoopOptions } from './loop.js';
export { createReply, type Reply } from './reply.js';
export { assertNever } from './assert-never.js';
export {
  holdProcessOpen,
  MAX_TIMER_DELAY_MS,
  systemClock,
  timerDelay,
  type Clock,
  type TimerHandle,
} from './clock.js';
