// `npm run bench -- training`: trainer throughput, data-parallel speed-up and all-reduce cost, and the
// correctness figures (dp / resume / ONNX parity diffs), then the full 100-config run.
// The machine is shared with other engineers' work while this runs, so speed figures are noisy and
// dp_speedup_2 in particular is a lower bound of what two idle cores give.
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadConfig, modelConfigKeys } from '../core/config/index.js';
import { buildModelInput, makeFeatureSpec, minBarsForWindow } from '../core/features/index.js';
import { initBackend } from '../gpu-trainer/backend.js';
import { dpThresholdSweep } from './dp-threshold.js';
import { buildDataset, datasetConfig, type Dataset } from '../gpu-trainer/dataset.js';
import { syntheticSeries } from '../gpu-trainer/data-source.js';
import { DataParallelGroup } from '../gpu-trainer/group.js';
import { newAdamState } from '../gpu-trainer/model/adam.js';
import { predict } from '../gpu-trainer/model/forward.js';
import { exportOnnx, INPUT_NAME, OUTPUT_NAME } from '../gpu-trainer/model/onnx.js';
import { exportEnsembleOnnx, type EnsembleMember } from '../gpu-trainer/model/ensemble-onnx.js';
import { initParams, type ModelKind, type ModelSpec } from '../gpu-trainer/model/spec.js';
import { Rng } from '../gpu-trainer/rng.js';
import { matmulCeiling, torchSgemmGflops } from './matmul-ceiling.js';
import { torchPython } from './peers/torch-venv.js';
import { peerComparison } from './training-peers.js';
import { runTraining } from '../gpu-trainer/run.js';
import { createLog } from '../gpu-trainer/log.js';
import { InterruptedError, trainConfig, type ConfigCheckpoint } from '../gpu-trainer/train-config.js';

const cfg = loadConfig({ env: {} });
const hp = cfg.training.hyperparameters;
const featureSpec = makeFeatureSpec();

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function dataset(bars: number, key = 'AAPL#1h'): Dataset {
  return buildDataset(syntheticSeries(key, bars, 7).bars, featureSpec, datasetConfig(cfg, hp.windowSize));
}

const WARMUP_STEPS = 6;

interface Timed {
  ms: number;
  steps: number;
  allreduceMs: number;
  maxCpuMs: number;
}

/**
 * Runs the default LSTM (window 32, hidden 32) on the same global batch stream in two groups, in
 * alternating blocks (A B A B ...), so both see the same background load on this shared machine.
 */
async function interleaved(
  groups: DataParallelGroup[],
  ds: Dataset,
  batch: number,
  blocks: number,
  stepsPerBlock: number,
  model?: Omit<ModelSpec, 'features'>,
) {
  const spec: ModelSpec = {
    ...(model ?? { kind: 'lstm', windowSize: hp.windowSize, hidden: hp.hiddenUnits }),
    features: ds.width,
  };
  const params = initParams(spec, new Rng(3));
  const perm = new Rng(9).shuffle(Uint32Array.from({ length: ds.final.train[0]!.end }, (_, i) => i));
  const batchAt = (s: number) => {
    const start = (s * batch) % (perm.length - batch);
    return perm.subarray(start, start + batch);
  };
  const timed: Timed[] = groups.map(() => ({ ms: 0, steps: 0, allreduceMs: 0, maxCpuMs: 0 }));
  for (const g of groups) {
    await g.setData({ features: ds.features, width: ds.width, windowSize: ds.windowSize, targetsStd: ds.targetsStd });
    await g.setModel({
      spec,
      params,
      adam: newAdamState(params.length),
      optimizer: { learningRate: hp.learningRate, clipNorm: 1 },
    });
    // Warm-up, not timed: kernel compilation, first allocations, and V8 optimising the JS gate loops of
    // model/bptt.ts (its first calls run unoptimised, up to 3x slower).
    for (let s = 0; s < WARMUP_STEPS; s++) await g.step(batchAt(0));
  }
  for (let b = 0; b < blocks; b++) {
    for (const [i, g] of groups.entries()) {
      for (let s = 0; s < stepsPerBlock; s++) {
        const r = await g.step(batchAt(1 + b * stepsPerBlock + s));
        timed[i]!.ms += r.wallMs;
        timed[i]!.steps++;
        timed[i]!.allreduceMs += r.allreduceMs;
        timed[i]!.maxCpuMs += r.maxCpuMs;
      }
    }
  }
  const weights = await Promise.all(groups.map(async (g) => (await g.state()).params));
  return { timed, weights };
}

/**
 * The bench's Transformer: the reference window and width, 2 encoder blocks of 4 heads (in the default search space).
 */
const TRANSFORMER = {
  kind: 'transformer',
  windowSize: hp.windowSize,
  hidden: hp.hiddenUnits,
  layers: 2,
  heads: 4,
} as const;

/**
 * onnxruntime against tfjs on random inputs, per kind, and the ensemble of all four (one graph) against the mean of
 * their tfjs predictions.
 */
/** Max abs diff per kind, the ensemble of the four, and stacked variants (`dense_2_layers`, ...). */
async function onnxParity(): Promise<Record<string, number>> {
  const tf = await initBackend('wasm');
  const F = featureSpec.names.length;
  const batch = 64;
  const rng = new Rng(5);
  const x = new Float32Array(batch * hp.windowSize * F).map(() => (rng.next() - 0.5) * 4);
  const run = async (bytes: Uint8Array) => {
    const session = await ort.InferenceSession.create(bytes);
    const out = (await session.run({ [INPUT_NAME]: new ort.Tensor('float32', x, [batch, hp.windowSize, F]) }))[
      OUTPUT_NAME
    ]!.data as Float32Array;
    await session.release();
    return out;
  };
  const result: Record<string, number> = {};
  const members: EnsembleMember[] = [];
  const mean = new Float64Array(batch);
  const norm = { mean: featureSpec.names.map(() => 0), std: featureSpec.names.map(() => 1) };
  for (const kind of ['lstm', 'gru', 'dense', 'transformer'] as ModelKind[]) {
    const spec: ModelSpec =
      kind === 'transformer'
        ? { ...TRANSFORMER, features: F }
        : { kind, windowSize: hp.windowSize, features: F, hidden: hp.hiddenUnits };
    const params = initParams(spec, rng).map((v) => v + (rng.next() - 0.5) * 0.1);
    const ours = predict(tf, spec, params, x, batch);
    result[kind] = maxAbsDiff(ours, await run(exportOnnx(spec, params, { targetMean: 0, targetStd: 1 })));
    members.push({ spec, params, targetMean: 0, targetStd: 1, normalisation: norm });
    for (let i = 0; i < batch; i++) mean[i]! += ours[i]! / 4;
  }
  result.ensemble = maxAbsDiff(
    mean,
    await run(exportEnsembleOnnx(members, { windowSize: hp.windowSize, normalisation: norm })),
  );
  for (const kind of ['lstm', 'gru', 'dense'] as ModelKind[]) {
    const spec: ModelSpec = { kind, windowSize: hp.windowSize, features: F, hidden: hp.hiddenUnits, layers: 2 };
    const params = initParams(spec, rng).map((v) => v + (rng.next() - 0.5) * 0.1);
    const ours = predict(tf, spec, params, x, batch);
    result[`${kind}_2_layers`] = maxAbsDiff(ours, await run(exportOnnx(spec, params, { targetMean: 0, targetStd: 1 })));
  }
  return result;
}

/**
 * Interrupt an in-process config at step `stopAt`, resume it from the checkpoint in a fresh group, compare to an
 * uninterrupted run.
 */
async function resumeDiff(): Promise<number> {
  const ds = dataset(900, 'MSFT#1d');
  const trials = [
    {
      model: 'gru' as const,
      windowSize: hp.windowSize,
      hiddenUnits: 16,
      learningRate: 0.003,
      batchSize: 64,
      epochs: 3,
      seed: 1,
    },
  ];
  const common = { key: 'MSFT#1d', dataset: ds, trials, budgetMs: 0, patience: 5, checkpointEvery: 4, clipNorm: 1 };
  const g1 = await DataParallelGroup.start({ size: 1, backend: 'wasm', inProcess: true });
  const full = await trainConfig({
    ...common,
    group: g1,
    saveCheckpoint: async () => {},
    stopRequested: () => undefined,
  });
  let saved: ConfigCheckpoint | undefined;
  let steps = 0;
  try {
    await trainConfig({
      ...common,
      group: g1,
      saveCheckpoint: async (cp) => {
        saved = structuredClone(cp);
      },
      stopRequested: () => (++steps === 13 ? 'bench' : undefined),
    });
  } catch (err) {
    if (!(err instanceof InterruptedError)) throw err;
  }
  await g1.close();
  const g2 = await DataParallelGroup.start({ size: 1, backend: 'wasm', inProcess: true });
  const resumed = await trainConfig({
    ...common,
    group: g2,
    resumeFrom: saved!,
    saveCheckpoint: async () => {},
    stopRequested: () => undefined,
  });
  await g2.close();
  return maxAbsDiff(full.best.params, resumed.best.params);
}

/** The goal figures at top level: the default LSTM at batch 256 against PyTorch, 1 worker and 2. */
function headline(peers: Record<string, unknown> | string): Record<string, number> {
  const lstm =
    typeof peers === 'object' ? (peers.lstm as Record<string, Record<string, number>> | undefined) : undefined;
  if (!lstm) return {};
  return {
    peer_torch_samples_per_s: lstm['1_worker']!.peer_torch_samples_per_s!,
    trainer_vs_torch: lstm['1_worker']!.trainer_vs_torch!,
    peer_torch_samples_per_s_2_threads: lstm['2_workers']!.peer_torch_samples_per_s!,
    trainer_vs_torch_2_workers: lstm['2_workers']!.trainer_vs_torch!,
    trainer_vs_torch_goal: 1,
  };
}

export async function run(
  log: (line: string) => void,
): Promise<Record<string, number | string | boolean | null | object>> {
  const cores = availableParallelism();
  const loadAtStart = Number(loadavg()[0]!.toFixed(2));
  log(`cores=${cores} loadavg(1m)=${loadavg()[0]!.toFixed(2)} (other engineers share this machine)`);

  // Shared feature module: per-request cost with the fewest bars a request may carry and with a full
  // 1000-bar request (only the last historyBars + window - 1 are read), p50 of single calls.
  const need = minBarsForWindow(featureSpec, hp.windowSize);
  const norm = { mean: featureSpec.names.map(() => 0), std: featureSpec.names.map(() => 1) };
  const p50Us = (bars: ReturnType<typeof syntheticSeries>['bars']) => {
    for (let i = 0; i < 200; i++)
      buildModelInput(bars, { featureSpec, normalisation: norm, windowSize: hp.windowSize });
    const times = new Float64Array(5000);
    for (let i = 0; i < times.length; i++) {
      const t0 = performance.now();
      buildModelInput(bars, { featureSpec, normalisation: norm, windowSize: hp.windowSize });
      times[i] = performance.now() - t0;
    }
    times.sort();
    return times[times.length >> 1]! * 1000;
  };
  const featuresUsMin = p50Us(syntheticSeries('AAPL#1h', need, 1).bars);
  const featuresUs1000 = p50Us(syntheticSeries('AAPL#1h', 1000, 1).bars);
  log(
    `features + model window (historyBars ${featureSpec.historyBars}, window ${hp.windowSize}): p50 ${featuresUsMin.toFixed(1)} us at ${need} bars, ${featuresUs1000.toFixed(1)} us at 1000 bars`,
  );
  let t = performance.now();
  buildDataset(syntheticSeries('AAPL#1h', 5000, 1).bars, featureSpec, datasetConfig(cfg, hp.windowSize));
  const datasetMs5000 = performance.now() - t;
  log(
    `dataset build (every row from its own ${featureSpec.historyBars}-bar history), 5000 bars: ${datasetMs5000.toFixed(1)} ms`,
  );

  // Throughput and data parallelism on the same global batch stream (default LSTM, batch 256).
  const ds = dataset(3000);
  const batch = hp.batchSize;
  const one = await DataParallelGroup.start({ size: 1, backend: 'wasm' });
  const two = await DataParallelGroup.start({ size: 2, backend: 'wasm' });
  const { timed, weights } = await interleaved([one, two], ds, batch, 4, 4);
  // The same at a 4x larger global batch, which amortises what a step costs regardless of its shard
  // (IPC round trip, the gradient all-reduce and Adam; tfjs autodiff, SIGNALFORGE_GRADIENT=autodiff,
  // spends ~40 ms of CPU per step on ~2400 kernel dispatches).
  const big = await interleaved([one, two], ds, batch * 4, 2, 2);
  await Promise.all([one.close(), two.close()]);
  const [b1, b2] = big.timed as [Timed, Timed];
  const bigSpeedup = b1.ms / b2.ms;
  const bigCpuSpeedup = b1.maxCpuMs / (b2.maxCpuMs + b2.allreduceMs);
  log(
    `global batch ${batch * 4}: wall speed-up ${bigSpeedup.toFixed(2)}x; CPU-time projection ${bigCpuSpeedup.toFixed(2)}x`,
  );
  const [t1, t2] = timed as [Timed, Timed];
  const steps = t1.steps;
  const samplesPerS = (batch * steps) / (t1.ms / 1000);
  const speedup = t1.ms / t2.ms;
  // What two idle cores would give: the 1-worker step's CPU time over the 2-worker step's critical path
  // (largest shard's CPU time + measured transport/reduction time).
  const cpuBoundSpeedup = t1.maxCpuMs / steps / (t2.maxCpuMs / steps + t2.allreduceMs / steps);
  log(
    `1 worker: ${(t1.ms / steps).toFixed(1)} ms/step (${(t1.maxCpuMs / steps).toFixed(1)} ms CPU); 2 workers: ${(t2.ms / steps).toFixed(1)} ms/step (${(t2.maxCpuMs / steps).toFixed(1)} ms CPU on the larger shard, ${(t2.allreduceMs / steps).toFixed(1)} ms transport+reduce)`,
  );
  log(`wall speed-up ${speedup.toFixed(2)}x; CPU-time projection for idle cores ${cpuBoundSpeedup.toFixed(2)}x`);

  // The Transformer (tfjs autodiff on every backend) on the same global batch stream, 1 and 2 workers.
  const tOne = await DataParallelGroup.start({ size: 1, backend: 'wasm' });
  const tTwo = await DataParallelGroup.start({ size: 2, backend: 'wasm' });
  const tr = await interleaved([tOne, tTwo], ds, batch, 3, 3, TRANSFORMER);
  await Promise.all([tOne.close(), tTwo.close()]);
  const [tr1, tr2] = tr.timed as [Timed, Timed];
  const transformerSamplesPerS = (batch * tr1.steps) / (tr1.ms / 1000);
  log(
    `transformer (d ${TRANSFORMER.hidden}, ${TRANSFORMER.layers} blocks, ${TRANSFORMER.heads} heads): 1 worker ${(tr1.ms / tr1.steps).toFixed(1)} ms/step, 2 workers ${(tr2.ms / tr2.steps).toFixed(1)} ms/step`,
  );

  const parityByKind = await onnxParity();
  const parity = Math.max(...Object.values(parityByKind));

  // Where data parallelism pays off on this backend (the auto rule's threshold), CPU-time projections too.
  const sweep = await dpThresholdSweep({ blocks: 3, stepsPerBlock: 2 });
  for (const p of sweep)
    log(
      `dp sweep ${p.kind} hidden ${p.hidden}: ${p.flopsPerSample} FLOPs/sample, wall speed-up ${p.speedup2}x [${p.spread.join('-')}], CPU projection ${p.cpuProjection2}x`,
    );

  // The ceiling, and with --peers the same model trained by PyTorch in alternating blocks (training-peers.ts).
  const ceiling = matmulCeiling(await initBackend('wasm'));
  log(
    `matMul ceiling: kernel ${ceiling.kernel_step_gflops} GFLOP/s over a step's matMuls = ${ceiling.kernel_vs_core_peak}x the core's ${ceiling.core_peak_gflops} GFLOP/s peak (${ceiling.kernel_vs_wasm_simd128_peak}x of 128-bit SIMD's ${ceiling.wasm_simd128_peak_gflops})`,
  );
  let peers: Record<string, unknown> | string = 'not measured: run with --peers';
  if (process.argv.includes('--peers')) {
    peers = await peerComparison(log, ds, {
      batch,
      windowSize: hp.windowSize,
      hidden: hp.hiddenUnits,
      learningRate: hp.learningRate,
    });
    ceiling.torch_sgemm_1024_gflops = await torchSgemmGflops(await torchPython(log));
  }

  const resume = await resumeDiff();
  log(
    `onnx parity ${parity.toExponential(2)} (${Object.entries(parityByKind)
      .map(([k, v]) => `${k} ${v.toExponential(2)}`)
      .join(', ')}), resume diff ${resume}`,
  );

  // All 100 configs, small epochs: 2 workers (one config per core), 2 epochs, the 3 model kinds.
  const keys = modelConfigKeys(cfg).map((k) => k.key);
  const only = process.env.BENCH_TRAINING_CONFIGS ? Number(process.env.BENCH_TRAINING_CONFIGS) : keys.length;
  const out = await mkdtemp(join(tmpdir(), 'sf-bench-train-'));
  const barsPerSeries = 1000;
  const epochs = 2;
  t = performance.now();
  const outcome = await runTraining({
    data: `synthetic:${barsPerSeries}:3`,
    out,
    configs: keys.slice(0, only),
    workers: Math.min(2, cores),
    dataParallel: 1,
    backend: 'wasm',
    epochs,
    seed: 1,
    // The reference figure: one trial per kind at the reference sizes (one layer, no dropout), no ensemble (the
    // default search samples 12 trials per config, stacked cells and dropout, and would not compare with earlier runs).
    models: ['lstm', 'gru', 'dense'],
    windowSize: hp.windowSize,
    hiddenUnits: hp.hiddenUnits,
    layers: 1,
    dropout: 0,
    batchSize: hp.batchSize,
    learningRate: hp.learningRate,
    search: { ensembleSize: 0 },
    config: cfg,
    log: createLog({ runId: 'bench', tty: false, quiet: true }),
    heartbeatMs: 10_000,
  });
  const wallS = (performance.now() - t) / 1000;
  await rm(out, { recursive: true, force: true });
  log(`${only} configs in ${wallS.toFixed(1)} s (${outcome.record.status}, ${outcome.stats.steps} steps)`);
  const figures: Record<string, number | string | boolean | null | object> = {
    cores,
    backend: 'wasm',
    features_p50_us_min_bars: Number(featuresUsMin.toFixed(2)),
    features_p50_us_1000_bars: Number(featuresUs1000.toFixed(2)),
    dataset_build_ms_5000_bars: Number(datasetMs5000.toFixed(1)),
    samples_per_s: Math.round(samplesPerS),
    // Load-independent: samples per second of CPU time the worker actually got.
    samples_per_cpu_s: Math.round((batch * steps) / (t1.maxCpuMs / 1000)),
    step_cpu_ms_1_worker: Number((t1.maxCpuMs / steps).toFixed(1)),
    step_cpu_ms_2_workers_max_shard: Number((t2.maxCpuMs / steps).toFixed(1)),
    step_ms_1_worker: Number((t1.ms / steps).toFixed(1)),
    step_ms_2_workers: Number((t2.ms / steps).toFixed(1)),
    dp_speedup_2: Number(speedup.toFixed(3)),
    dp_speedup_2_cpu_projection: Number(cpuBoundSpeedup.toFixed(3)),
    dp_speedup_2_goal: 1.8,
    dp_speedup_2_batch_1024: Number(bigSpeedup.toFixed(3)),
    dp_speedup_2_batch_1024_cpu_projection: Number(bigCpuSpeedup.toFixed(3)),
    loadavg_1m_at_start: loadAtStart,
    allreduce_ms_per_step: Number((t2.allreduceMs / steps).toFixed(3)),
    dp_max_abs_diff: maxAbsDiff(weights[0]!, weights[1]!),
    resume_max_abs_diff: resume,
    onnx_parity_max_abs_diff: parity,
    onnx_parity_max_abs_diff_by_kind: parityByKind,
    transformer_samples_per_s: Math.round(transformerSamplesPerS),
    // Load-independent, as samples_per_cpu_s: the shared machine's wall figures swing with other engineers' load.
    transformer_samples_per_cpu_s: Math.round((batch * tr1.steps) / (tr1.maxCpuMs / 1000)),
    transformer_dp_speedup_2: Number((tr1.ms / tr2.ms).toFixed(3)),
    transformer_dp_max_abs_diff: maxAbsDiff(tr.weights[0]!, tr.weights[1]!),
    transformer_setup: `transformer window ${TRANSFORMER.windowSize} d ${TRANSFORMER.hidden} ${TRANSFORMER.layers} blocks ${TRANSFORMER.heads} heads batch ${batch}, tfjs autodiff on wasm`,
    configs_trained: outcome.record.configsDone,
    matmul_ceiling: ceiling,
    peers,
    ...headline(peers),
    configs_wall_s: Number(wallS.toFixed(1)),
    setup: `lstm window ${hp.windowSize} hidden ${hp.hiddenUnits} batch ${batch}; configs: synthetic ${barsPerSeries} bars, ${epochs} epochs, trials lstm+gru+dense, 2 workers dp 1`,
    tensorflow_backend: 'not measured: no GPU in this workplace',
    // What a session with a GPU machine must fill in; every figure above is the wasm backend on CPU cores.
    gpu_unmeasured: [
      'tensorflow (CUDA) backend step time and samples/s, 1 worker on 1 GPU',
      'dp_speedup_2 and dp_speedup_4 on 2 and 4 GPUs (tensorflow backend, all-reduce over IPC)',
      'allreduce_ms_per_step with GPU workers (device-to-host gradient copies included)',
      'the dataParallelMinFlopsPerSample threshold on GPUs (measured here on CPU only)',
      'tensorflow backend parity with wasm on the same weights',
    ],
    dp_threshold_sweep: sweep,
    dp_threshold_flops_per_sample: cfg.training.dataParallelMinFlopsPerSample,
  };
  if (only === keys.length) figures.configs_100_wall_s = Number(wallS.toFixed(1));
  else figures.configs_100_wall_s_extrapolated = Number(((wallS * keys.length) / only).toFixed(1));
  figures.configs_100_goal_s = 900;
  return figures;
}
