export * from './keys.js';
export * from './parquet.js';
export * from './store.js';
export * from './audit.js';
export * from './compaction.js';
export * from './bar-copies.js';
