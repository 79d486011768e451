export * from './schemas.js';
export { eventIdFor } from './ids.js';
