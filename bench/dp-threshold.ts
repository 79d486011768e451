// Where data parallelism pays off on this machine's CPU backend with 2 workers: 1-worker and 2-worker
// groups step the same global batches (interleaved blocks, so both see the same background load) for
// models of growing size. `npm run bench -- training` includes it; alone:
//   node --import tsx bench/dp-threshold.ts
// The figure behind training.dataParallelMinFlopsPerSample (core/config/defaults.ts).
import { availableParallelism, loadavg } from 'node:os';
import { makeFeatureSpec } from '../core/features/index.js';
import { buildDataset } from '../gpu-trainer/dataset.js';
import { syntheticSeries } from '../gpu-trainer/data-source.js';
import { DataParallelGroup } from '../gpu-trainer/group.js';
import { newAdamState } from '../gpu-trainer/model/adam.js';
import { trainingFlopsPerSample } from '../gpu-trainer/dp-plan.js';
import { initParams, paramCount, type ModelKind, type ModelSpec } from '../gpu-trainer/model/spec.js';
import { Rng } from '../gpu-trainer/rng.js';
import { median } from './percentile.js';

export interface DpSizePoint {
  kind: ModelKind;
  hidden: number;
  params: number;
  flopsPerSample: number;
  /** Median over the blocks of (1-worker wall ms / 2-worker wall ms) per step. */
  speedup2: number;
  /** The block speed-ups' min and max: the spread on this shared machine. */
  spread: [number, number];
  /** speedup2 / 2: the share of two independent configs' throughput the DP group keeps. */
  efficiency: number;
  /**
   * Load-independent: the 1-worker step's CPU time over the 2-worker step's critical path (larger shard's
   * CPU time + measured transport and reduction), medians over the blocks; what two idle cores would give.
   */
  cpuProjection2: number;
}

export async function dpThresholdSweep(
  opts: {
    blocks?: number;
    stepsPerBlock?: number;
    batch?: number;
    windowSize?: number;
    points?: [ModelKind, number][];
  } = {},
): Promise<DpSizePoint[]> {
  const blocks = opts.blocks ?? 3;
  const stepsPerBlock = opts.stepsPerBlock ?? 3;
  const batch = opts.batch ?? 256;
  const windowSize = opts.windowSize ?? 32;
  const points = opts.points ?? [
    ['dense', 16],
    ['dense', 256],
    ['lstm', 8],
    ['lstm', 32],
    ['lstm', 64],
    ['gru', 96],
    ['lstm', 96],
    ['lstm', 128],
  ];
  const ds = buildDataset(syntheticSeries('AAPL#1h', 3000, 7).bars, makeFeatureSpec(), {
    windowSize,
    purgeGapBars: 2,
    folds: 3,
    embargoBars: 2,
    innerValidationFraction: 0.15,
    driftWindowBars: 20,
  });
  const perm = new Rng(9).shuffle(Uint32Array.from({ length: ds.final.train[0]!.end }, (_, i) => i));
  const batchAt = (s: number) =>
    perm.subarray((s * batch) % (perm.length - batch), ((s * batch) % (perm.length - batch)) + batch);
  const one = await DataParallelGroup.start({ size: 1, backend: 'wasm' });
  const two = await DataParallelGroup.start({ size: 2, backend: 'wasm' });
  const out: DpSizePoint[] = [];
  try {
    for (const [kind, hidden] of points) {
      const spec: ModelSpec = { kind, windowSize, features: ds.width, hidden };
      const params = initParams(spec, new Rng(3));
      for (const g of [one, two]) {
        await g.setData({
          features: ds.features,
          width: ds.width,
          windowSize: ds.windowSize,
          targetsStd: ds.targetsStd,
        });
        await g.setModel({
          spec,
          params,
          adam: newAdamState(params.length),
          optimizer: { learningRate: 1e-3, clipNorm: 1 },
        });
        for (let s = 0; s < 3; s++) await g.step(batchAt(0)); // warm-up: V8 and tfjs first calls
      }
      const ratios: number[] = [];
      const cpuRatios: number[] = [];
      for (let b = 0; b < blocks; b++) {
        const ms = [0, 0];
        const critical = [0, 0];
        for (const [i, g] of [one, two].entries()) {
          for (let s = 0; s < stepsPerBlock; s++) {
            const r = await g.step(batchAt(1 + b * stepsPerBlock + s));
            ms[i]! += r.wallMs;
            critical[i]! += r.maxCpuMs + (i === 0 ? 0 : r.allreduceMs);
          }
        }
        ratios.push(ms[0]! / ms[1]!);
        cpuRatios.push(critical[0]! / critical[1]!);
      }
      const speedup2 = median(ratios);
      out.push({
        kind,
        hidden,
        params: paramCount(spec),
        flopsPerSample: trainingFlopsPerSample(spec),
        speedup2: Number(speedup2.toFixed(3)),
        spread: [Number(Math.min(...ratios).toFixed(3)), Number(Math.max(...ratios).toFixed(3))],
        efficiency: Number((speedup2 / 2).toFixed(3)),
        cpuProjection2: Number(median(cpuRatios).toFixed(3)),
      });
    }
  } finally {
    await Promise.all([one.close(), two.close()]);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`cores=${availableParallelism()} loadavg(1m)=${loadavg()[0]!.toFixed(2)} (shared machine)`);
  for (const p of await dpThresholdSweep()) console.log(JSON.stringify(p));
  console.log(`loadavg(1m) at end=${loadavg()[0]!.toFixed(2)}`);
}
