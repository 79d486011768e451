export { renderRunReport, writeRunReport, REPORT_FILE_NAME, REPORT_DATA_FILE_NAME } from './render.js';
export * from './report-data.js';
export { estimateCost, defaultPricedInstanceType, type CostEstimateOptions } from './cost.js';
export { modelReportFromMetadata, registryRowsFromVersions, gateRowsFromVersions } from './adapters.js';
export { GATE_METHODS } from './render.js';
