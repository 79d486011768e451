export * from './schemas.js';
export { eventIdFor } from './ids.js';
export { marketBarEvent, type MarketBarFields } from './market-bar.js';
