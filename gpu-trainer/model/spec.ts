import type { Rng } from '../rng.js';
import { transformerLayout } from './transformer.js';

export type ModelKind = 'lstm' | 'gru' | 'dense' | 'transformer';

export interface ModelSpec {
  kind: ModelKind;
  windowSize: number;
  features: number;
  /** Hidden units; the Transformer's model width (d_model). */
  hidden: number;
  /** Transformer encoder blocks (default 1). */
  layers?: number;
  /** Transformer attention heads; must divide `hidden` (default 1). */
  heads?: number;
}

export interface ParamTensor {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/**
 * The model's parameters as named slices of one flat Float32Array. The flat form is what the
 * all-reduce sends, what Adam updates and what a checkpoint stores.
 *
 * Recurrent kernels keep gate blocks in columns: LSTM i,f,g,o; GRU z,r,h (Keras order). The ONNX
 * exporter reorders them.
 */
export function paramLayout(spec: ModelSpec): ParamTensor[] {
  const { kind, windowSize: T, features: F, hidden: H } = spec;
  const shapes: [string, number[]][] =
    kind === 'transformer'
      ? transformerLayout(spec)
      : kind === 'dense'
        ? [
            ['w1', [T * F, H]],
            ['b1', [H]],
            ['wOut', [H, 1]],
            ['bOut', [1]],
          ]
        : [
            ['w', [F, (kind === 'lstm' ? 4 : 3) * H]],
            ['r', [H, (kind === 'lstm' ? 4 : 3) * H]],
            ['b', [(kind === 'lstm' ? 4 : 3) * H]],
            ['wOut', [H, 1]],
            ['bOut', [1]],
          ];
  let offset = 0;
  return shapes.map(([name, shape]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const p = { name, shape, offset, size };
    offset += size;
    return p;
  });
}

export function paramCount(spec: ModelSpec): number {
  return paramLayout(spec).reduce((n, p) => n + p.size, 0);
}

/** Glorot-uniform kernels, zero biases, LSTM forget-gate bias 1 (as Keras' unitForgetBias), layer-norm gains 1. */
export function initParams(spec: ModelSpec, rng: Rng): Float32Array {
  const layout = paramLayout(spec);
  const out = new Float32Array(paramCount(spec));
  for (const p of layout) {
    if (p.shape.length === 2) {
      const limit = Math.sqrt(6 / (p.shape[0]! + p.shape[1]!));
      for (let i = 0; i < p.size; i++) out[p.offset + i] = (rng.next() * 2 - 1) * limit;
    } else if (p.name.endsWith('_gamma')) {
      out.fill(1, p.offset, p.offset + p.size);
    } else if (spec.kind === 'lstm' && p.name === 'b') {
      out.fill(1, p.offset + spec.hidden, p.offset + 2 * spec.hidden);
    }
  }
  return out;
}
