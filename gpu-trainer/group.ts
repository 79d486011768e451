import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { initBackend, type BackendName } from './backend.js';
import { Replica, type GradResult, type ModelState, type ReplicaData, type ReplicaModel } from './replica.js';
import type { WorkerReply, WorkerRequest } from './protocol.js';

/** The operations the coordinator needs from a replica, whether it lives in this process or a worker. */
export interface ReplicaHandle {
  setData(data: ReplicaData): Promise<void>;
  setModel(model: ReplicaModel): Promise<void>;
  grad(indices: Uint32Array): Promise<GradResult>;
  apply(grad: Float32Array): void;
  state(): Promise<ModelState>;
  predict(indices: Uint32Array): Promise<Float32Array>;
  close(): Promise<void>;
  /** False once a worker process has exited. */
  alive(): boolean;
  /** The worker's process id; undefined in-process. */
  readonly pid?: number | undefined;
}

/** Worker process ids of `replicas` (none in-process): logged so operators and tests can see the process group. */
export const replicaPids = (replicas: readonly ReplicaHandle[]): number[] =>
  replicas.flatMap((r) => (r.pid === undefined ? [] : [r.pid]));

class InProcessReplica implements ReplicaHandle {
  constructor(private readonly replica: Replica) {}
  async setData(data: ReplicaData) {
    this.replica.setData(data);
  }
  async setModel(model: ReplicaModel) {
    this.replica.setModel(model);
  }
  async grad(indices: Uint32Array) {
    return this.replica.grad(indices);
  }
  apply(grad: Float32Array) {
    this.replica.apply(grad);
  }
  async state() {
    return this.replica.state();
  }
  async predict(indices: Uint32Array) {
    return this.replica.predict(indices);
  }
  async close() {}
  alive() {
    return true;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Pending = { resolve: (r: WorkerReply) => void; reject: (e: Error) => void };

class ChildReplica implements ReplicaHandle {
  readonly pid: number | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited = false;
  /** The last averaged gradient, sent with the next request (see protocol.ts). */
  private pendingApply: Float32Array | undefined;

  constructor(private readonly child: ChildProcess) {
    this.pid = child.pid;
    child.on('message', (raw) => {
      const reply = raw as WorkerReply;
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.op === 'error') p.reject(new Error(`worker ${child.pid}: ${reply.message}`));
      else p.resolve(reply);
    });
    child.on('exit', (code, signal) => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error(`worker ${child.pid} exited (${signal ?? code})`));
      this.pending.clear();
    });
  }

  private request(msg: DistributiveOmit<WorkerRequest, 'id'>): Promise<WorkerReply> {
    if (this.exited) return Promise.reject(new Error(`worker ${this.child.pid} has exited`));
    const id = this.nextId++;
    const apply = this.pendingApply;
    this.pendingApply = undefined;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...msg, id, ...(apply ? { apply } : {}) } as WorkerRequest);
    });
  }

  async init(backend: BackendName) {
    await this.request({ op: 'init', backend });
  }
  async setData(data: ReplicaData) {
    await this.request({ op: 'setData', data });
  }
  async setModel(model: ReplicaModel) {
    await this.request({ op: 'setModel', model });
  }
  async grad(indices: Uint32Array) {
    return ((await this.request({ op: 'grad', indices })) as Extract<WorkerReply, { op: 'grad' }>).result;
  }
  apply(grad: Float32Array) {
    if (this.exited) return;
    // Two updates with no request between them: the older one goes on its own (IPC keeps the order).
    if (this.pendingApply) this.child.send({ id: 0, op: 'apply', grad: this.pendingApply } satisfies WorkerRequest);
    this.pendingApply = grad;
  }
  async state() {
    return ((await this.request({ op: 'state' })) as Extract<WorkerReply, { op: 'state' }>).state;
  }
  async predict(indices: Uint32Array) {
    return ((await this.request({ op: 'predict', indices })) as Extract<WorkerReply, { op: 'predict' }>).values;
  }
  alive() {
    return !this.exited;
  }
  async close() {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    await gone;
  }
}

export interface GroupOptions {
  size: number;
  backend: BackendName;
  /** Run the single replica in this process (size must be 1): the sandbox and small runs skip a fork. */
  inProcess?: boolean;
  /** One device id per replica, exported to that worker as CUDA_VISIBLE_DEVICES. */
  deviceIds?: string[];
}

export interface StepResult {
  loss: number;
  /** Wall time of the step minus the slowest replica's gradient compute: transport + reduction. */
  allreduceMs: number;
  wallMs: number;
  /** The largest replica's CPU time for its shard. */
  maxCpuMs: number;
  /** CPU time of all replicas together. */
  totalCpuMs: number;
}

/** Splits a global batch into contiguous shards, one per replica; empty shards are skipped. */
export function shard(indices: Uint32Array, parts: number): Uint32Array[] {
  const out: Uint32Array[] = [];
  const base = Math.floor(indices.length / parts);
  const extra = indices.length % parts;
  let at = 0;
  for (let p = 0; p < parts; p++) {
    const n = base + (p < extra ? 1 : 0);
    out.push(indices.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** Starts `size` replicas: worker processes, or one replica in this process. */
export async function startReplicas(opts: GroupOptions): Promise<ReplicaHandle[]> {
  if (opts.inProcess) {
    if (opts.size !== 1) throw new Error('an in-process group has exactly one replica');
    return [new InProcessReplica(new Replica(await initBackend(opts.backend)))];
  }
  // From source the worker is TypeScript run through tsx; in the instance bundle (trainer-bundle.ts)
  // this module is part of dist/cli.mjs and the worker is dist/worker.mjs next to it, plain JS.
  const bundled = !import.meta.url.endsWith('.ts');
  const workerPath = fileURLToPath(new URL(bundled ? './worker.mjs' : './worker.ts', import.meta.url));
  const execArgv = bundled ? ['--enable-source-maps'] : ['--import', import.meta.resolve('tsx')];
  const replicas = Array.from({ length: opts.size }, (_, rank) => {
    const device = opts.deviceIds?.[rank];
    const child = fork(workerPath, [], {
      serialization: 'advanced',
      execArgv,
      env: {
        ...process.env,
        ...(device !== undefined ? { CUDA_VISIBLE_DEVICES: device } : {}),
        SIGNALFORGE_WORKER_RANK: String(rank),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new ChildReplica(child);
  });
  await Promise.all(replicas.map((r) => r.init(opts.backend)));
  return replicas;
}

/**
 * Synchronous data parallelism: each replica computes the mean-loss gradient of its shard, the
 * coordinator averages them weighted by shard size (in float64, in rank order, so the result does not
 * depend on arrival order) and every replica applies the same Adam update to its own copy.
 */
export class DataParallelGroup {
  private constructor(readonly replicas: ReplicaHandle[]) {}

  static async start(opts: GroupOptions): Promise<DataParallelGroup> {
    return new DataParallelGroup(await startReplicas(opts));
  }

  /** A group over replicas that already run (a WorkerPool lends them; closing stays with the pool). */
  static over(replicas: ReplicaHandle[]): DataParallelGroup {
    return new DataParallelGroup(replicas);
  }

  get size(): number {
    return this.replicas.length;
  }

  get pids(): number[] {
    return replicaPids(this.replicas);
  }

  async setData(data: ReplicaData): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.setData(data)));
  }

  async setModel(model: ReplicaModel): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.setModel(model)));
  }

  async step(globalBatch: Uint32Array): Promise<StepResult> {
    const started = performance.now();
    const shards = shard(globalBatch, this.replicas.length);
    const work = this.replicas
      .map((replica, i) => ({ replica, indices: shards[i]! }))
      .filter((w) => w.indices.length > 0);
    const results = await Promise.all(work.map((w) => w.replica.grad(w.indices)));
    const total = results.reduce((n, r) => n + r.count, 0);
    const sum = new Float64Array(results[0]!.grad.length);
    let loss = 0;
    for (const r of results) {
      for (let i = 0; i < sum.length; i++) sum[i]! += r.grad[i]! * r.count;
      loss += r.loss * r.count;
    }
    const avg = new Float32Array(sum.length);
    for (let i = 0; i < sum.length; i++) avg[i] = sum[i]! / total;
    for (const r of this.replicas) r.apply(avg);
    const wallMs = performance.now() - started;
    const slowest = Math.max(...results.map((r) => r.computeMs));
    return {
      loss: loss / total,
      allreduceMs: Math.max(0, wallMs - slowest),
      wallMs,
      maxCpuMs: Math.max(...results.map((r) => r.cpuMs)),
      totalCpuMs: results.reduce((n, r) => n + r.cpuMs, 0),
    };
  }

  /** Replicas hold identical state after every step; rank 0 answers. */
  state(): Promise<ModelState> {
    return this.replicas[0]!.state();
  }

  async predict(indices: Uint32Array): Promise<Float32Array> {
    const parts = shard(indices, this.replicas.length);
    const outs = await Promise.all(
      this.replicas.map((r, i) => (parts[i]!.length ? r.predict(parts[i]!) : Promise.resolve(new Float32Array(0)))),
    );
    const out = new Float32Array(indices.length);
    let at = 0;
    for (const o of outs) {
      out.set(o, at);
      at += o.length;
    }
    return out;
  }

  alive(): boolean {
    return this.replicas.every((r) => r.alive());
  }

  async close(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.close()));
  }
}
