// `npm run bench -- training --peers`: the trainer against PyTorch on CPU, same model, shapes and
// settings (window 32 x 14 features, hidden 32, linear head, MSE, Adam, clip-norm 1, batch 256), one
// worker against one thread and two workers against two threads. Ours and the peer run in alternating
// blocks in the same run (ours, peer, ours, peer ...), so background load on this shared machine hits
// both alike; each figure is the median over blocks with its [min, max].
import { join } from 'node:path';
import { PROJECT_ROOT } from '../local/services/paths.js';
import type { Dataset } from '../gpu-trainer/dataset.js';
import { DataParallelGroup } from '../gpu-trainer/group.js';
import { newAdamState } from '../gpu-trainer/model/adam.js';
import { initParams, type ModelKind, type ModelSpec } from '../gpu-trainer/model/spec.js';
import { Rng } from '../gpu-trainer/rng.js';
import { runPeer, torchPython } from './peers/torch-venv.js';
import { median } from './percentile.js';

interface PeerModel {
  kind: ModelKind;
  /** The PyTorch script doing the same work. */
  script: string;
  /** Shape beyond window, features and width (the Transformer's blocks and heads, as in the training bench). */
  extra?: Pick<ModelSpec, 'layers' | 'heads'>;
}

/** Every model kind with its peer (the dense model has none: it is not the trainer's bottleneck). */
export const PEER_MODELS: PeerModel[] = [
  { kind: 'lstm', script: join(PROJECT_ROOT, '..', 'shared', 'peers', 'torch_lstm.py') },
  { kind: 'gru', script: join(PROJECT_ROOT, 'bench', 'peers', 'torch_gru.py') },
  {
    kind: 'transformer',
    script: join(PROJECT_ROOT, 'bench', 'peers', 'torch_transformer.py'),
    extra: { layers: 2, heads: 4 },
  },
];

const BLOCKS = 3;
// As many timed steps as one peer run (5 x 30), so both sides sample the load over a similar span.
const STEPS_PER_BLOCK = 150;
const WARMUP_STEPS = 6;

const spread = (xs: number[]) => [Math.round(Math.min(...xs)), Math.round(Math.max(...xs))];

interface Side {
  ours: number[];
  /** Samples per CPU-second of the worker(s): the largest shard's CPU time per step. */
  oursCpu: number[];
  peer: number[];
  peerName?: string;
}

async function prepared(
  workers: number,
  spec: ModelSpec,
  ds: Dataset,
  hp: { learningRate: number },
): Promise<DataParallelGroup> {
  const g = await DataParallelGroup.start({ size: workers, backend: 'wasm' });
  await g.setData({ features: ds.features, width: ds.width, windowSize: ds.windowSize, targetsStd: ds.targetsStd });
  const params = initParams(spec, new Rng(3));
  await g.setModel({
    spec,
    params,
    adam: newAdamState(params.length),
    optimizer: { learningRate: hp.learningRate, clipNorm: 1 },
  });
  return g;
}

/** The trainer-against-PyTorch figures for every model kind that has a peer. */
export async function peerComparison(
  log: (line: string) => void,
  ds: Dataset,
  opts: { batch: number; windowSize: number; hidden: number; learningRate: number },
): Promise<Record<string, unknown>> {
  const python = await torchPython(log);
  const perm = new Rng(9).shuffle(Uint32Array.from({ length: ds.final.train[0]!.end }, (_, i) => i));
  const batchAt = (s: number) => {
    const start = (s * opts.batch) % (perm.length - opts.batch);
    return perm.subarray(start, start + opts.batch);
  };
  const out: Record<string, unknown> = {};
  for (const model of PEER_MODELS) {
    const spec: ModelSpec = {
      kind: model.kind,
      windowSize: opts.windowSize,
      features: ds.width,
      hidden: opts.hidden,
      ...model.extra,
    };
    const groups = [await prepared(1, spec, ds, opts), await prepared(2, spec, ds, opts)];
    const sides: Side[] = groups.map(() => ({ ours: [], oursCpu: [], peer: [] }));
    try {
      for (const g of groups) for (let s = 0; s < WARMUP_STEPS; s++) await g.step(batchAt(s));
      let step = WARMUP_STEPS;
      for (let b = 0; b < BLOCKS; b++) {
        for (const [i, g] of groups.entries()) {
          let ms = 0;
          let cpuMs = 0;
          for (let s = 0; s < STEPS_PER_BLOCK; s++) {
            const r = await g.step(batchAt(step++));
            ms += r.wallMs;
            cpuMs += r.maxCpuMs;
          }
          sides[i]!.ours.push((opts.batch * STEPS_PER_BLOCK) / (ms / 1000));
          sides[i]!.oursCpu.push((opts.batch * STEPS_PER_BLOCK) / (cpuMs / 1000));
          const peer = await runPeer(python, model.script, i + 1, opts.batch);
          sides[i]!.peer.push(peer.samples_per_s_median);
          sides[i]!.peerName = peer.peer;
          log(
            `${model.kind} block ${b + 1}/${BLOCKS}, ${i + 1} worker(s): ours ${Math.round(sides[i]!.ours.at(-1)!)} samples/s, ${peer.peer} ${i + 1} thread(s) ${peer.samples_per_s_median}`,
          );
        }
      }
    } finally {
      await Promise.all(groups.map((g) => g.close()));
    }
    // One thread's samples per CPU-second, once: against the worker's, the comparison load does not move.
    const peerCpu = (await runPeer(python, model.script, 1, opts.batch, true)).samples_per_s_median;
    const figures = (side: Side) => ({
      samples_per_s: Math.round(median(side.ours)),
      samples_per_s_spread: spread(side.ours),
      peer_torch_samples_per_s: Math.round(median(side.peer)),
      peer_torch_samples_per_s_spread: spread(side.peer),
      trainer_vs_torch: Number((median(side.ours) / median(side.peer)).toFixed(3)),
      // Each block's ratio (ours over the peer run right after it), for the spread of the ratio itself.
      trainer_vs_torch_blocks: side.ours.map((o, k) => Number((o / side.peer[k]!).toFixed(3))),
    });
    const cpu = {
      samples_per_cpu_s: Math.round(median(sides[0]!.oursCpu)),
      peer_torch_samples_per_cpu_s: peerCpu,
      trainer_vs_torch_cpu_time: Number((median(sides[0]!.oursCpu) / peerCpu).toFixed(3)),
    };
    log(
      `${model.kind} per CPU-second, 1 worker vs 1 thread: ours ${cpu.samples_per_cpu_s}, torch ${peerCpu} (${cpu.trainer_vs_torch_cpu_time}x)`,
    );
    out[model.kind] = {
      peer: sides[0]!.peerName,
      blocks: BLOCKS,
      '1_worker': { ...figures(sides[0]!), ...cpu },
      '2_workers': figures(sides[1]!),
    };
  }
  return out;
}
