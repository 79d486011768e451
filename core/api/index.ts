export * from './schemas.js';
export * from './errors.js';
export * from './request.js';
export * from './openapi.js';
export * from './fast-accept.js';
