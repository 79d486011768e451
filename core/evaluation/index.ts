export * from './gate-decision.js';
export * from './folds.js';
export * from './metrics.js';
export * from './distributions.js';
export * from './diebold-mariano.js';
export * from './deflated-sharpe.js';
export * from './holm.js';
export * from './walk-forward.js';
