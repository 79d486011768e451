import type { Tf } from './backend.js';
import { gatherWindows } from './dataset.js';
import { adamStep, type AdamOptions, type AdamState } from './model/adam.js';
import { applyInputDropout, type DropoutOptions } from './model/dropout.js';
import { predict } from './model/forward.js';
import { trainingLossAndGradient } from './model/gradient.js';
import type { ModelSpec } from './model/spec.js';

export interface ReplicaData {
  features: Float32Array;
  width: number;
  windowSize: number;
  targetsStd: Float32Array;
}

export interface ModelState {
  params: Float32Array;
  adam: AdamState;
}

export interface ReplicaModel extends ModelState {
  spec: ModelSpec;
  optimizer: AdamOptions;
  /** Training-time input dropout (absent or rate 0: none); predictions never drop. */
  dropout?: DropoutOptions;
}

export interface GradResult {
  loss: number;
  count: number;
  grad: Float32Array;
  computeMs: number;
  /** CPU time of this process for the gradient (user + system), to separate work from waiting on a busy machine. */
  cpuMs: number;
}

const PREDICT_CHUNK = 1024;

/**
 * A model's input windows: the last `window` bars of each sample's dataset window, so models searched with
 * shorter windows predict the same samples (same targets, folds and normalisation) as the longest one.
 */
function modelWindows(data: ReplicaData, window: number, indices: Uint32Array): Float32Array {
  if (window === data.windowSize) return gatherWindows(data.features, data.width, data.windowSize, indices);
  if (window > data.windowSize) throw new Error(`model window ${window} exceeds the dataset window ${data.windowSize}`);
  const shift = data.windowSize - window;
  return gatherWindows(
    data.features,
    data.width,
    window,
    Uint32Array.from(indices, (s) => s + shift),
  );
}

/** One data-parallel replica's model, optimizer and data: what a worker process (or the main process) holds. */
export class Replica {
  private data?: ReplicaData;
  private model?: ReplicaModel;
  constructor(private readonly tf: Tf) {}

  setData(data: ReplicaData): void {
    this.data = data;
  }

  setModel(model: ReplicaModel): void {
    // Copies: the caller's arrays (a checkpoint, a message) must not alias the live state.
    this.model = {
      ...model,
      params: new Float32Array(model.params),
      adam: { m: new Float32Array(model.adam.m), v: new Float32Array(model.adam.v), t: model.adam.t },
    };
  }

  grad(indices: Uint32Array): GradResult {
    const { data, model } = this.ready();
    const started = performance.now();
    const cpu = process.cpuUsage();
    const x = modelWindows(data, model.spec.windowSize, indices);
    if (model.dropout)
      applyInputDropout(x, indices, model.spec.windowSize, model.spec.features, model.adam.t, model.dropout);
    const y = new Float32Array(indices.length);
    for (let i = 0; i < indices.length; i++) y[i] = data.targetsStd[indices[i]!]!;
    const { loss, grad } = trainingLossAndGradient(this.tf, model.spec, model.params, x, y, indices.length);
    const used = process.cpuUsage(cpu);
    return {
      loss,
      count: indices.length,
      grad,
      computeMs: performance.now() - started,
      cpuMs: (used.user + used.system) / 1000,
    };
  }

  apply(grad: Float32Array): void {
    const { model } = this.ready();
    adamStep(model.params, grad, model.adam, model.optimizer);
  }

  state(): ModelState {
    const { model } = this.ready();
    return {
      params: new Float32Array(model.params),
      adam: { m: new Float32Array(model.adam.m), v: new Float32Array(model.adam.v), t: model.adam.t },
    };
  }

  /** Standardised predictions of the current parameters for the given samples. */
  predict(indices: Uint32Array): Float32Array {
    const { data, model } = this.ready();
    const out = new Float32Array(indices.length);
    for (let s = 0; s < indices.length; s += PREDICT_CHUNK) {
      const idx = indices.subarray(s, Math.min(indices.length, s + PREDICT_CHUNK));
      const x = modelWindows(data, model.spec.windowSize, idx);
      out.set(predict(this.tf, model.spec, model.params, x, idx.length), s);
    }
    return out;
  }

  private ready(): { data: ReplicaData; model: ReplicaModel } {
    if (!this.data || !this.model) throw new Error('replica has no data or model yet');
    return { data: this.data, model: this.model };
  }
}
