export * from './schemas.js';
export { eventIdFor } from './ids.js';
export { marketBarEvent, type MarketBarFields } from './market-bar.js';
export { eventSchema, upcastEvent } from './upcast.js';
