#!/usr/bin/env node
/**
 * `npm run train -- [flags]`: the trainer process on a GPU instance or a laptop. Exit code 0 when the
 * run succeeded or stopped cleanly with a checkpoint (status `interrupted`: relaunch with --resume),
 * 1 when it failed, 2 on bad flags.
 */
import { availableParallelism } from 'node:os';
import { HELP_FLAG, intArg, parseCliArgs, parseOrReport } from '../core/cli/index.js';
import { BACKENDS, type BackendName } from './backend.js';
import { runTraining, newRunId, FAST_PRESET } from './run.js';
import { createLog } from './log.js';
import { assertGpuCount, GpuCheckError, listNvidiaGpus } from './gpu-check.js';
import { runSmoke } from './smoke.js';
import type { Hyperparameters } from '../core/artifacts/index.js';
import { commaList } from '../core/config/index.js';
import { MODEL_KINDS } from '../core/config/search.js';

const HELP = `signalforge gpu-trainer: data-parallel training of the model configs, with checkpoints and ONNX export

Usage: npm run train -- --data <source> --out <dir|s3://bucket/prefix> [flags]
       npm run train -- --smoke [--backend tensorflow] [--workers <n>]

Data and output
  --data <source>          Training data: a dataset manifest (local path or s3:// URI) listing lake objects
                           with their S3 versions; a bars file {"series": {"AAPL#1d": [{t,o,h,l,c,v}, ...]}};
                           or synthetic:<bars>[:<seed>] for generated series.            (required)
  --out <dir|s3 uri>       Where models/<SYMBOL>/<tf>/<runId>/{model.onnx,metadata.json}, runs/<runId>/run.json
                           and runs/<runId>/checkpoints/ are written.                   (required)
  --configs <list>         'all' (every symbol#timeframe in config, 100 by default) or a comma list
                           such as AAPL#1h,MSFT#1d.                                      (default: all)
  --run-id <id>            Run id; pass the same id with --resume.           (default: a new run-<time>-<hex>)
  --max-bars <n>           Use only the most recent n bars of each series (0 = all).       (default: 0)
  --sentiment-window <n>   Add mean news/social sentiment and log(1+count) over the last n bars as
                           features of configs whose symbol has text events (0 = price features only).
                                                 (default: the config's training.sentimentWindowBars)

Parallelism and backend
  --workers <n>            Worker processes in total: one per GPU (CUDA_VISIBLE_DEVICES is set per
                           worker) or one per core.                                          (default: 1)
  --dp-size <n|auto>       Data-parallel group size: replicas that share one config's global batch and
                           all-reduce gradients. 4 workers with --dp-size 1 train 4 configs at once,
                           with --dp-size 4 one config on 4. auto: configs with a large trial (a flagged
                           kind or training.dataParallelMinParams parameters) on all workers, the rest one
                           per worker, mixed on one instance.       (default: the config's dataParallel)
  --backend <name>         wasm | cpu | tensorflow. tensorflow needs @tensorflow/tfjs-node-gpu (installed
                           by the GPU instance's user data; see gpu-trainer/README.md).    (default: wasm)
  --in-process             With --workers 1, train in this process instead of a forked worker.
                           With --backend tensorflow the trainer first checks that nvidia-smi lists at least
                           --workers GPUs and that every replica runs on a GPU (no silent CPU fallback).

Host check
  --smoke                  ~30 s check of this host: load the backend, assert the GPUs, train a few steps of
                           the default LSTM per worker (per GPU on tensorflow) on synthetic data in a temp
                           dir; prints one JSON line {ok, backend, gpus, workers, steps, stepsPerSecondPerWorker, ...}
                           and exits 0 when ok. --data and --out are not needed.

Training
  --preset fast            Small fast settings (2 epochs, window 16, hidden 16, 1 layer, batch 128, GRU + dense,
                           patience 1) for the sandbox; explicit flags override them.
  --epochs <n>             Maximum epochs per trial (early stopping may end sooner). (default: config)
  --batch-size <n>         Global batch size (split across the dp group).          (default: config)
  --window <n>             Bars per model input window.                              (default: config)
  --hidden <n>             Hidden units.                                            (default: config)
  --layers <n>             Stacked layers (cells, dense hidden layers, encoder blocks). (default: config)
  --dropout <p>            Training-time input dropout rate in [0, 1).              (default: config)
  --lr <x>                 Adam learning rate.                                       (default: config)
  --models <list>          Model kinds to search: lstm,gru,dense,transformer.          (default: config)
  --trials <n>             Sampled configurations per config (training.search.trials; with --models:
                           one per kind). Kinds rotate; the rest is drawn from each kind's search space.
  --search-seed <n>        Seed of the search's sampling.              (default: training.search.seed)
  --reduction-factor <n>   Successive halving: keep 1/n per rung, n times the epochs.      (default: config)
  --min-epochs <n>         Epochs of the first halving rung; the last rung trains --epochs. (default: config)
  --budget-steps <n>       Per-config optimizer-step budget: no new trial starts after it (0 = none).
  --ensemble-size <n>      Score the average of the top n configurations as one more candidate (<2: off).
  --budget-s <s>           Per-config search time budget: no new trial starts after it (0 = none; runs
                           are exactly reproducible only without a budget).                (default: 0)
  --patience <n>           Early stopping: epochs without validation improvement.           (default: 3)
  --seed <n>               Seed for initialisation and batch order.                         (default: 1)

Checkpoints and interruption
  --checkpoint-every <k>   Write a checkpoint every k optimizer steps (also on SIGTERM/SIGINT and on a
                           spot interruption notice).                                (default: config)
  --resume                 Continue run --run-id from its run record and latest checkpoints.
  --spot-watch             Poll IMDSv2 spot/instance-action and checkpoint + exit when a notice appears.
  --imds-endpoint <url>    IMDS base URL.   (default: $AWS_EC2_METADATA_SERVICE_ENDPOINT or http://169.254.169.254)
  --spot-poll-ms <ms>      IMDS poll interval.                                           (default: 2000)

Logging
  --heartbeat-s <s>        Run record heartbeat interval.                                  (default: 30)
  --log-every-steps <n>    Log a JSON 'step' line every n steps (0 = at most every 5 s).   (default: 0)
  --help                   Show this help.

Output: a progress bar on a terminal, JSON lines otherwise. Exit 0 on success or a clean checkpointed stop.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\nRun with --help for usage.\n`);
  process.exit(2);
}

/** Runs a parse step; a usage mistake ends the process with exit code 2. */
const orFail = <T>(parse: () => T): T => parseOrReport(parse, fail) as T;

const { values } = orFail(() =>
  parseCliArgs({
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      configs: { type: 'string', default: 'all' },
      'run-id': { type: 'string' },
      'max-bars': { type: 'string', default: '0' },
      'sentiment-window': { type: 'string' },
      preset: { type: 'string' },
      workers: { type: 'string' },
      'dp-size': { type: 'string' },
      backend: { type: 'string', default: 'wasm' },
      'in-process': { type: 'boolean', default: false },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      window: { type: 'string' },
      hidden: { type: 'string' },
      layers: { type: 'string' },
      dropout: { type: 'string' },
      lr: { type: 'string' },
      models: { type: 'string' },
      trials: { type: 'string' },
      'search-seed': { type: 'string' },
      'reduction-factor': { type: 'string' },
      'min-epochs': { type: 'string' },
      'budget-steps': { type: 'string' },
      'ensemble-size': { type: 'string' },
      'budget-s': { type: 'string', default: '0' },
      patience: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'checkpoint-every': { type: 'string' },
      resume: { type: 'boolean', default: false },
      'spot-watch': { type: 'boolean', default: false },
      'imds-endpoint': { type: 'string' },
      'spot-poll-ms': { type: 'string', default: '2000' },
      'heartbeat-s': { type: 'string', default: '30' },
      'log-every-steps': { type: 'string', default: '0' },
      smoke: { type: 'boolean', default: false },
      ...HELP_FLAG,
    },
  }),
);

if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const smokeBackend = values.backend as BackendName;
if (values.smoke) {
  if (!BACKENDS.includes(smokeBackend)) fail(`--backend must be one of ${BACKENDS.join(', ')}`);
  const smokeWorkers = orFail(() => intArg('--workers', values.workers, 1));
  const result = await runSmoke({ backend: smokeBackend, workers: smokeWorkers });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(result.ok ? 0 : 1);
}
if (!values.data) fail('--data is required');
if (!values.out) fail('--out is required');
if (values.resume && !values['run-id']) fail('--resume needs --run-id');
const backend = values.backend as BackendName;
if (!BACKENDS.includes(backend)) fail(`--backend must be one of ${BACKENDS.join(', ')}`);

const int = (name: string, raw: string | undefined, min = 0) => orFail(() => intArg(`--${name}`, raw, min));
const models = (values.models === undefined ? undefined : commaList(values.models)) as
  | Hyperparameters['model'][]
  | undefined;
if (models?.some((m) => !(MODEL_KINDS as readonly string[]).includes(m)))
  fail(`--models takes ${MODEL_KINDS.join(', ')}`);
const workers = int('workers', values.workers ?? '1', 1)!;
if (workers > availableParallelism() * 4)
  fail(`--workers ${workers} is far above this machine's ${availableParallelism()} cores`);
const runId = values['run-id'] ?? newRunId();
const lr = values.lr === undefined ? undefined : Number(values.lr);
if (lr !== undefined && !(lr > 0)) fail('--lr must be a positive number');
const dropout = values.dropout === undefined ? undefined : Number(values.dropout);
if (dropout !== undefined && !(dropout >= 0 && dropout < 1)) fail('--dropout must be in [0, 1)');

if (values.preset !== undefined && values.preset !== 'fast') fail('--preset takes: fast');
const preset = values.preset === 'fast' ? FAST_PRESET : {};
const defined = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

if (backend === 'tensorflow') {
  try {
    assertGpuCount(listNvidiaGpus(), workers);
  } catch (err) {
    if (!(err instanceof GpuCheckError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

const outcome = await runTraining({
  ...preset,
  ...defined({
    epochs: int('epochs', values.epochs, 1),
    batchSize: int('batch-size', values['batch-size'], 1),
    windowSize: int('window', values.window, 1),
    hiddenUnits: int('hidden', values.hidden, 1),
    layers: int('layers', values.layers, 1),
    dropout,
    learningRate: lr,
    models,
    patience: int('patience', values.patience, 1),
  }),
  data: values.data,
  out: values.out,
  configs: values.configs === 'all' ? 'all' : commaList(values.configs),
  runId,
  maxBars: int('max-bars', values['max-bars']),
  workers,
  ...(values['dp-size'] === undefined
    ? {}
    : { dataParallel: values['dp-size'] === 'auto' ? ('auto' as const) : int('dp-size', values['dp-size'], 1)! }),
  backend,
  inProcess: values['in-process'],
  trials: int('trials', values.trials, 1),
  search: defined({
    seed: int('search-seed', values['search-seed']),
    reductionFactor: int('reduction-factor', values['reduction-factor'], 2),
    minEpochs: int('min-epochs', values['min-epochs'], 1),
    budgetSteps: int('budget-steps', values['budget-steps']),
    ensembleSize: int('ensemble-size', values['ensemble-size']),
  }),
  budgetS: int('budget-s', values['budget-s']),
  sentimentWindowBars: int('sentiment-window', values['sentiment-window']),
  seed: int('seed', values.seed),
  checkpointEvery: int('checkpoint-every', values['checkpoint-every'], 1),
  resume: values.resume,
  ...(values['spot-watch']
    ? {
        spotWatch: {
          endpoint:
            values['imds-endpoint'] ?? process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? 'http://169.254.169.254',
          intervalMs: int('spot-poll-ms', values['spot-poll-ms'], 50)!,
        },
      }
    : {}),
  heartbeatMs: int('heartbeat-s', values['heartbeat-s'], 1)! * 1000,
  logEverySteps: int('log-every-steps', values['log-every-steps']),
  handleSignals: true,
  log: createLog({ runId }),
});
process.exit(outcome.record.status === 'failed' ? 1 : 0);
