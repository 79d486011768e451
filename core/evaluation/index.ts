export * from './gate-decision.js';
