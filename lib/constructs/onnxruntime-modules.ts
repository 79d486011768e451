import type { VendoredModule } from './signalforge-function-props.js';

/**
 * onnxruntime-node ships binaries for five platforms (about 290 MB); a Lambda that runs models (serving, and
 * the retrain gate re-scoring the production model) gets the JS and the linux-x64 binary only, plus
 * onnxruntime-common, copied from node_modules without a network install.
 */
export const ONNXRUNTIME_MODULES: VendoredModule[] = [
  { name: 'onnxruntime-node', paths: ['package.json', 'dist', 'bin/napi-v6/linux/x64'] },
  { name: 'onnxruntime-common', paths: ['package.json', 'dist'] },
];
