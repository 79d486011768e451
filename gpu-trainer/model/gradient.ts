import { recurrentLossAndGradient } from './bptt.js';
import { lossAndGradient, type LossAndGradient } from './forward.js';

/**
 * The training step's loss and gradient. On the CPU backends (wasm, cpu) the one-layer LSTM and GRU use the
 * explicit BPTT of bptt.ts (whole in a WebAssembly SIMD kernel), whose cost scales with the shard; on
 * `tensorflow` (GPU), for stacked (layers > 1) cells and for the dense model and the Transformer, tfjs autodiff
 * of forward.ts, which keeps the whole graph on the device instead of copying every step's gates to JS. Both
 * differentiate the same function (test/unit/trainer/bptt.test.ts). SIGNALFORGE_GRADIENT=autodiff forces the
 * autodiff path everywhere (for A/B measurements and as a fallback); workers inherit it from the coordinator's
 * environment.
 */
export const trainingLossAndGradient: LossAndGradient = (tf, spec, flat, x, y, batch) => {
  // The kernel is single-layer; stacked cells take autodiff.
  const recurrent = (spec.kind === 'lstm' || spec.kind === 'gru') && (spec.layers ?? 1) === 1;
  if (recurrent && tf.getBackend() !== 'tensorflow' && process.env.SIGNALFORGE_GRADIENT !== 'autodiff')
    return recurrentLossAndGradient(tf, spec, flat, x, y, batch);
  return lossAndGradient(tf, spec, flat, x, y, batch);
};
