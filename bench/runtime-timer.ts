// One model runtime (onnxruntime-node or tfjs-wasm) in a process of its own, timed in blocks on request.
// The inference bench compares the two: in one process, tfjs-wasm's garbage kept V8's collector busy
// through the onnxruntime calls that followed it (ORT p50 1.7x its solo figure even after 50 discarded
// calls, and more CPU than wall time per call), so each runtime now pays only for itself, as it would
// in a serving Lambda of its own. The parent alternates blocks between the two children, so both see
// the same background load on this shared machine.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ModelSpec } from '../gpu-trainer/model/spec.js';

export type RuntimeName = 'onnxruntime' | 'tfjs-wasm';

/** What both children load: the exported model, its parameters and one request's input window. */
export interface RuntimeModelFiles {
  onnxPath: string;
  paramsPath: string;
  inputPath: string;
  spec: ModelSpec;
  targetMean: number;
  targetStd: number;
}

export interface BlockResult {
  /** Wall time of each timed call, ms. */
  times: number[];
  /** Process CPU time (user + system) per timed call, ms. */
  cpuMsPerCall: number;
  output: number;
}

type Request = { op: 'block'; warmup: number; calls: number } | { op: 'exit' };
type Reply = { op: 'ready' } | ({ op: 'block' } & BlockResult) | { op: 'error'; message: string };

const f32 = (path: string) => {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

/** Builds the one-call function for a runtime; the output is the de-standardised prediction. */
async function prepare(name: RuntimeName, files: RuntimeModelFiles): Promise<() => Promise<number>> {
  const input = f32(files.inputPath);
  const { windowSize, features } = files.spec;
  if (name === 'onnxruntime') {
    // The session as serving runs it (model-cache.ts): same options, same run path.
    const { DEFAULT_SESSION_OPTIONS } = await import('../lambdas/serving/inference/model-cache.js');
    const { createOrtSession } = await import('../lambdas/serving/inference/ort-session.js');
    const session = await createOrtSession(readFileSync(files.onnxPath), DEFAULT_SESSION_OPTIONS);
    const [inName, outName] = [session.inputNames[0]!, session.outputNames[0]!];
    const dims = [1, windowSize, features];
    return async () => Number((await session.run(inName, input, dims, outName))[0]);
  }
  const { initBackend } = await import('../gpu-trainer/backend.js');
  const { forward, paramTensors } = await import('../gpu-trainer/model/forward.js');
  const tf = await initBackend('wasm');
  const params = paramTensors(tf, files.spec, f32(files.paramsPath));
  const x = tf.tensor(input, [1, windowSize, features], 'float32');
  return async () => {
    // The ONNX graph maps back from standardised units; do the same so the outputs compare.
    const y = tf.tidy(() => tf.add(tf.mul(forward(tf, files.spec, params, x), files.targetStd), files.targetMean));
    const out = (await y.data())[0]!;
    y.dispose();
    return out;
  };
}

async function childMain(name: RuntimeName, files: RuntimeModelFiles): Promise<void> {
  const send = (r: Reply) => process.send!(r);
  try {
    const once = await prepare(name, files);
    await once();
    send({ op: 'ready' });
    process.on('message', async (req: Request) => {
      if (req.op === 'exit') process.exit(0);
      try {
        let output = 0;
        for (let i = 0; i < req.warmup; i++) output = await once();
        const times: number[] = [];
        const cpu = process.cpuUsage();
        for (let i = 0; i < req.calls; i++) {
          const t0 = performance.now();
          output = await once();
          times.push(performance.now() - t0);
        }
        const used = process.cpuUsage(cpu);
        send({
          op: 'block',
          times,
          cpuMsPerCall: req.calls > 0 ? (used.user + used.system) / 1000 / req.calls : 0,
          output,
        });
      } catch (err) {
        send({ op: 'error', message: (err as Error).stack ?? String(err) });
      }
    });
  } catch (err) {
    send({ op: 'error', message: (err as Error).stack ?? String(err) });
  }
}

export interface RuntimeTimer {
  block(warmup: number, calls: number): Promise<BlockResult>;
  close(): void;
}

/** Starts the runtime's process and resolves once its first call has run. */
export function startRuntimeTimer(name: RuntimeName, files: RuntimeModelFiles): Promise<RuntimeTimer> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [name, JSON.stringify(files)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  const next = () => new Promise<Reply>((resolve, reject) => (waiting = { resolve, reject }));
  child.on('message', (r: Reply) => waiting?.resolve(r));
  child.on('exit', (code) => waiting?.reject(new Error(`${name} timer exited with ${code}`)));
  const expect = async <K extends Reply['op']>(op: K): Promise<Extract<Reply, { op: K }>> => {
    const r = await next();
    if (r.op === 'error') throw new Error(`${name} timer: ${r.message}`);
    if (r.op !== op) throw new Error(`${name} timer answered ${r.op}, expected ${op}`);
    return r as Extract<Reply, { op: K }>;
  };
  return expect('ready').then(() => ({
    async block(warmup, calls) {
      const reply = expect('block');
      child.send({ op: 'block', warmup, calls } satisfies Request);
      const { times, cpuMsPerCall, output } = await reply;
      return { times, cpuMsPerCall, output };
    },
    close() {
      if (child.connected) child.send({ op: 'exit' } satisfies Request);
    },
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send) {
  await childMain(process.argv[2] as RuntimeName, JSON.parse(process.argv[3]!) as RuntimeModelFiles);
}
