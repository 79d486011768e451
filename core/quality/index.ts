export * from './rules.js';
export * from './screen.js';
export * from './recent-bars.js';
export * from './quarantine.js';
export * from './metrics.js';
