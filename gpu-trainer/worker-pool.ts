import type { BackendName } from './backend.js';
import { DataParallelGroup, replicaPids, startReplicas, type ReplicaHandle } from './group.js';

/**
 * The instance's workers (one per GPU, pinned at start) lent out as data-parallel groups of any size:
 * one instance trains a large config on a group of 4 next to small configs on one worker each. Requests
 * are served in order; a request waits until enough workers are free (no overtaking, so a large config
 * is not starved by a stream of small ones).
 */
export class WorkerPool {
  private readonly free: ReplicaHandle[];
  private readonly waiting: { size: number; resolve: (g: DataParallelGroup) => void }[] = [];

  private constructor(private readonly all: ReplicaHandle[]) {
    this.free = [...all];
  }

  static async start(opts: { workers: number; backend: BackendName; inProcess?: boolean }): Promise<WorkerPool> {
    const inProcess = Boolean(opts.inProcess) && opts.workers === 1;
    const deviceIds =
      opts.backend === 'tensorflow' ? Array.from({ length: opts.workers }, (_, i) => String(i)) : undefined;
    return new WorkerPool(
      await startReplicas({
        size: opts.workers,
        backend: opts.backend,
        inProcess,
        ...(deviceIds ? { deviceIds } : {}),
      }),
    );
  }

  /** Wraps replicas the caller already has (tests). */
  static of(replicas: ReplicaHandle[]): WorkerPool {
    return new WorkerPool(replicas);
  }

  get size(): number {
    return this.all.length;
  }

  get pids(): number[] {
    return replicaPids(this.all);
  }

  /** Workers idle right now. */
  get idle(): number {
    return this.free.length;
  }

  /** A group of `size` free workers (in rank order), once that many are free. */
  acquire(size: number): Promise<DataParallelGroup> {
    if (size < 1 || size > this.all.length)
      return Promise.reject(new Error(`a group of ${size} from a pool of ${this.all.length} workers`));
    return new Promise((resolve) => {
      this.waiting.push({ size, resolve });
      this.serve();
    });
  }

  release(group: DataParallelGroup): void {
    this.free.push(...group.replicas);
    // Lowest ranks first, so groups keep neighbouring devices where they can.
    this.free.sort((a, b) => this.all.indexOf(a) - this.all.indexOf(b));
    this.serve();
  }

  private serve(): void {
    while (this.waiting.length > 0 && this.waiting[0]!.size <= this.free.length) {
      const { size, resolve } = this.waiting.shift()!;
      resolve(DataParallelGroup.over(this.free.splice(0, size)));
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all.map((r) => r.close()));
  }
}
