export * from './dataset-manifest.js';
export * from './run-record.js';
export * from './metadata.js';
export * from './paths.js';
export * from './store.js';
