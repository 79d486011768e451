export { createLogger } from './logger.js';
export { observed, type ObservedOptions } from './observed.js';
export { traced, tracer } from './tracer.js';
