import { createHash } from 'node:crypto';
import type * as ort from 'onnxruntime-node';
import type { Bar, SentimentInput } from '../../../core/api/index.js';
import { createOrtSession } from './ort-session.js';

/** What the registry says an alias points at (the subset serving needs). */
export interface ArtifactRef {
  version: number;
  artifactUri: string;
  metadataUri: string;
  sha256: string;
}

/**
 * How one model turns raw bars into its input tensor, built from its metadata.json. The default
 * (model-input.ts) uses the shared feature module and the normalisation stats the trainer stored.
 */
export interface ModelInputAdapter {
  inputName: string;
  outputName: string;
  /** Fewest bars that fill the feature window (feature warm-up + model window). */
  minBars: number;
  /** What the prediction estimates, e.g. "next-bar simple return". */
  target: string;
  /** The model sha256 the metadata was written for; a mismatch means metadata and model are from different runs. */
  declaredSha256?: string;
  /**
   * Fills a [1, window, features] float32 input from the most recent bars; throws FeatureInputError on non-finite
   * features.
   */
  buildInput(
    bars: readonly Bar[],
    sentiment?: readonly SentimentInput[],
  ): { data: Float32Array; dims: readonly number[] };
}
export type ModelInputAdapterFactory = (metadata: unknown) => ModelInputAdapter;

/** A feature vector that cannot be fed to the model; raised from the request's data, so it is a 4xx. */
export class FeatureInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureInputError';
  }
}

export class ArtifactIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactIntegrityError';
  }
}

export interface LoadedModel {
  ref: ArtifactRef;
  adapter: ModelInputAdapter;
  metadata: unknown;
  run(bars: readonly Bar[], sentiment?: readonly SentimentInput[]): Promise<number>;
  release(): Promise<void>;
}

export interface ModelCacheOptions {
  readArtifact(uri: string): Promise<Uint8Array>;
  createAdapter: ModelInputAdapterFactory;
  sessionOptions?: ort.InferenceSession.SessionOptions;
  /**
   * How long a failed load is remembered before the next attempt; keeps a bad artifact from being re-downloaded per
   * request.
   */
  retryAfterMs?: number;
  now?: () => number;
}

/**
 * Small models answer fastest on one thread: the thread pool's hand-off costs more than it saves.
 */
export const DEFAULT_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
};

const RELEASE_GRACE_MS = 10_000;
const DEFAULT_RETRY_AFTER_MS = 30_000;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function loadModel(ref: ArtifactRef, options: ModelCacheOptions): Promise<LoadedModel> {
  const [modelBytes, metadataBytes] = await Promise.all([
    options.readArtifact(ref.artifactUri),
    options.readArtifact(ref.metadataUri),
  ]);
  const actual = sha256Hex(modelBytes);
  if (actual !== ref.sha256.toLowerCase()) {
    throw new ArtifactIntegrityError(
      `model ${ref.version} at ${ref.artifactUri} has sha256 ${actual}, registry says ${ref.sha256}`,
    );
  }
  let metadata: unknown;
  try {
    metadata = JSON.parse(Buffer.from(metadataBytes).toString('utf8'));
  } catch (err) {
    throw new ArtifactIntegrityError(`metadata ${ref.metadataUri} is not JSON: ${(err as Error).message}`);
  }
  let adapter: ModelInputAdapter;
  try {
    adapter = options.createAdapter(metadata);
  } catch (err) {
    throw new ArtifactIntegrityError(`metadata ${ref.metadataUri} is not usable: ${(err as Error).message}`);
  }
  if (adapter.declaredSha256 !== undefined && adapter.declaredSha256.toLowerCase() !== actual) {
    throw new ArtifactIntegrityError(
      `metadata ${ref.metadataUri} describes a model with sha256 ${adapter.declaredSha256}, not ${actual}`,
    );
  }
  const session = await createOrtSession(modelBytes, options.sessionOptions ?? DEFAULT_SESSION_OPTIONS);
  if (!session.inputNames.includes(adapter.inputName) || !session.outputNames.includes(adapter.outputName)) {
    await session.release();
    throw new ArtifactIntegrityError(
      `model ${ref.version} has inputs [${session.inputNames}] / outputs [${session.outputNames}], metadata names ${adapter.inputName} / ${adapter.outputName}`,
    );
  }
  return {
    ref,
    adapter,
    metadata,
    async run(bars, sentiment) {
      const { data, dims } = adapter.buildInput(bars, sentiment);
      const out = await session.run(adapter.inputName, data, dims, adapter.outputName);
      return Number(out[0]);
    },
    release: () => session.release(),
  };
}

/**
 * Sessions keyed by the artifact's sha256: two aliases or configs pointing at the same bytes share one
 * session, and a re-pointed alias with new bytes can never hit a stale one. Concurrent first requests
 * share one load; a failed load is forgotten so the next request retries.
 */
export class ModelCache {
  private readonly entries = new Map<string, { promise: Promise<LoadedModel>; loaded?: LoadedModel }>();
  private readonly failures = new Map<string, { at: number; error: unknown }>();

  constructor(private readonly options: ModelCacheOptions) {}

  get(ref: ArtifactRef): Promise<LoadedModel> {
    const key = ref.sha256.toLowerCase();
    const existing = this.entries.get(key);
    if (existing) return existing.promise;
    const now = this.options.now ?? Date.now;
    const failed = this.failures.get(key);
    if (failed && now() - failed.at < (this.options.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS))
      return Promise.reject(failed.error);
    const entry: { promise: Promise<LoadedModel>; loaded?: LoadedModel } = {
      promise: Promise.resolve(undefined as never),
    };
    entry.promise = loadModel(ref, this.options).then(
      (model) => {
        this.failures.delete(key);
        entry.loaded = model;
        return model;
      },
      (err: unknown) => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        this.failures.set(key, { at: now(), error: err });
        throw err;
      },
    );
    this.entries.set(key, entry);
    return entry.promise;
  }

  /** The loaded model for a sha256 without waiting, or undefined while loading / absent. */
  peek(sha256: string): LoadedModel | undefined {
    return this.entries.get(sha256.toLowerCase())?.loaded;
  }

  /** Releases sessions no alias points at any more, so a long-lived container does not accumulate versions. */
  retainOnly(liveShas: ReadonlySet<string>): void {
    for (const [sha, entry] of [...this.entries]) {
      if (liveShas.has(sha) || !entry.loaded) continue;
      this.entries.delete(sha);
      const model = entry.loaded;
      // A request that fetched this model just before the alias moved may still be running on it.
      setTimeout(() => void model.release().catch(() => undefined), RELEASE_GRACE_MS).unref();
    }
  }

  get size(): number {
    return [...this.entries.values()].filter((e) => e.loaded).length;
  }
}
