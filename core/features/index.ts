export * from './indicators.js';
export * from './spec.js';
export * from './compute.js';
export * from './model-input.js';
export * from './bisect.js';
