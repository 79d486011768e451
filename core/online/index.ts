export * from './table.js';
export * from './store.js';
