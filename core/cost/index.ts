export { integrateSpotPrice, type PricePoint } from './spot-price.js';
export { COST_SOURCES, type CostSource } from './sources.js';
