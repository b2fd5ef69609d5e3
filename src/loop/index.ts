export { Loop, type LoopHandler, type LoopOptions } from './loop.js';
export { createReply, type Reply } from './reply.js';
export { assertNever } from './assert-never.js';
