export * from './prediction-record.js';
export * from './lake-keys.js';
export * from './welch.js';
export * from './outcome-join.js';
export * from './verdict.js';
export * from './degradation.js';
