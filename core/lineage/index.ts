export { codeVersion, UNSTAMPED_CODE_VERSION } from './code-version.js';
export { configHash } from './config-hash.js';
