// Test fixtures for the serving unit tests: a real (tiny) ONNX graph and a feature adapter that needs no
// trainer code, so the service, cache and routing are exercised against onnxruntime-node itself.
import onnxProto from 'onnx-proto';
import type { Bar } from '../../../core/api/index.js';
import { loadConfig, type SignalForgeConfig } from '../../../core/config/index.js';
import {
  FeatureInputError,
  sha256Hex,
  type ModelInputAdapter,
} from '../../../lambdas/serving/inference/model-cache.js';

const { onnx } = onnxProto;

/** y = sum(x * weight) + bias over an input [1, window, 1]: a linear model whose answer tests can compute by hand. */
export function linearOnnxModel(window: number, weight: number, bias: number): Uint8Array {
  const tensor = (name: string, dims: number[], values: number[]) =>
    onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values });
  const valueInfo = (name: string, dims: number[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } },
      },
    });
  const graph = onnx.GraphProto.create({
    name: 'linear',
    node: [
      onnx.NodeProto.create({ opType: 'Reshape', input: ['x', 'shape'], output: ['flat'] }),
      onnx.NodeProto.create({ opType: 'MatMul', input: ['flat', 'w'], output: ['mm'] }),
      onnx.NodeProto.create({ opType: 'Add', input: ['mm', 'b'], output: ['y'] }),
    ],
    initializer: [
      onnx.TensorProto.create({
        name: 'shape',
        dims: [2],
        dataType: onnx.TensorProto.DataType.INT64,
        int64Data: [1, window],
      }),
      tensor('w', [window, 1], new Array(window).fill(weight)),
      tensor('b', [1], [bias]),
    ],
    input: [valueInfo('x', [1, window, 1])],
    output: [valueInfo('y', [1, 1])],
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'signalforge-test',
    graph,
  });
  return onnx.ModelProto.encode(model).finish();
}

export interface TestMetadata {
  window: number;
  mean: number;
  std: number;
  sha256: string;
}

/** Features: the last `window` close-to-close log returns, standardised with the metadata's stats. */
export function testAdapter(metadata: unknown): ModelInputAdapter {
  const m = metadata as TestMetadata;
  return {
    inputName: 'x',
    outputName: 'y',
    minBars: m.window + 1,
    target: 'next-bar log return',
    declaredSha256: m.sha256,
    buildInput(bars: readonly Bar[]) {
      const data = new Float32Array(m.window);
      const start = bars.length - m.window;
      for (let i = 0; i < m.window; i++) {
        const r = Math.log(bars[start + i]!.c / bars[start + i - 1]!.c);
        const z = (r - m.mean) / m.std;
        if (!Number.isFinite(z)) throw new FeatureInputError(`feature at bar ${start + i} is not finite`);
        data[i] = z;
      }
      return { data, dims: [1, m.window, 1] };
    },
  };
}

/** What the linear test model answers for these bars, computed independently of the service. */
export function expectedLinear(bars: readonly Bar[], meta: TestMetadata, weight: number, bias: number): number {
  let sum = 0;
  for (let i = bars.length - meta.window; i < bars.length; i++) {
    sum += Math.fround((Math.log(bars[i]!.c / bars[i - 1]!.c) - meta.mean) / meta.std);
  }
  return sum * weight + bias;
}

/** Deterministic random-walk bars, hourly from 2024-01-02; `volatility` scales the per-bar moves (and ranges). */
export function makeBars(n: number, seed = 1, start = Date.UTC(2024, 0, 2), volatility = 0.02): Bar[] {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const bars: Bar[] = [];
  let close = 100;
  for (let i = 0; i < n; i++) {
    const open = close;
    close = open * Math.exp((rnd() - 0.5) * volatility);
    const high = Math.max(open, close) * (1 + rnd() * volatility * 0.25);
    const low = Math.min(open, close) * (1 - rnd() * volatility * 0.25);
    bars.push({
      t: new Date(start + i * 3_600_000).toISOString(),
      o: open,
      h: high,
      l: low,
      c: close,
      v: Math.round(1000 + rnd() * 9000),
    });
  }
  return bars;
}

/** An in-memory artifact store standing in for S3 in unit tests (integration tests use moto). */
export class MemoryArtifacts {
  readonly objects = new Map<string, Uint8Array>();
  reads = 0;

  put(uri: string, bytes: Uint8Array | string): void {
    this.objects.set(uri, typeof bytes === 'string' ? Buffer.from(bytes) : bytes);
  }

  read = async (uri: string): Promise<Uint8Array> => {
    this.reads += 1;
    const bytes = this.objects.get(uri);
    if (!bytes) throw new Error(`no such artifact ${uri}`);
    return bytes;
  };

  /** Stores a linear model version and returns its registry reference. */
  addLinearVersion(
    key: string,
    version: number,
    opts: { weight: number; bias: number; window?: number; mean?: number; std?: number },
  ) {
    const window = opts.window ?? 8;
    const model = linearOnnxModel(window, opts.weight, opts.bias);
    const sha256 = sha256Hex(model);
    const meta: TestMetadata = { window, mean: opts.mean ?? 0, std: opts.std ?? 0.01, sha256 };
    const base = `mem://models/${key.replace('#', '/')}/run-${version}`;
    this.put(`${base}/model.onnx`, model);
    this.put(`${base}/metadata.json`, JSON.stringify(meta));
    return {
      ref: { version, artifactUri: `${base}/model.onnx`, metadataUri: `${base}/metadata.json`, sha256 },
      meta,
      ...opts,
    };
  }
}

/** A small universe keeps unit tests fast and makes unknown-symbol cases obvious. */
export function testConfig(overrides: Record<string, unknown> = {}): SignalForgeConfig {
  return loadConfig({
    env: {},
    overrides: {
      universe: { symbols: ['AAPL', 'MSFT'], timeframes: ['1h', '1d'] },
      inference: { minBars: 10, maxBars: 50, maxBodyBytes: 16 * 1024, aliasTtlSeconds: 30 },
      ...overrides,
    },
  });
}
