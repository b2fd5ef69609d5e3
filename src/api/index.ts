export * from './errors.js';
export * from './status.js';
export * from './instance.js';
export * from './failure-details.js';
