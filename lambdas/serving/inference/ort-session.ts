import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';

/**
 * How a session's runs reach onnxruntime:
 * - `native`: straight into the binding's synchronous `run`;
 * - `public`: through `InferenceSession.run`.
 *
 * The public `run` defers every call to `setImmediate` and then re-wraps its outputs. For a model that
 * computes in ~40 µs, that event-loop turn is ~12 µs of every prediction: 52 µs native against 65 µs
 * public, same session options, on the 2-core dev machine.
 */
export type OrtRunPath = 'native' | 'public';

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly path: OrtRunPath;
  /** Runs the model on one float32 input and returns the named output's values. */
  run(inputName: string, data: Float32Array, dims: readonly number[], outputName: string): Promise<Float32Array>;
  release(): Promise<void>;
}

/** The slice of onnxruntime-node's native binding (dist/binding.js, 1.30) that the native path uses. */
interface NativeSession {
  loadModel(
    buffer: ArrayBufferLike,
    byteOffset: number,
    byteLength: number,
    options: ort.InferenceSession.SessionOptions,
  ): void;
  readonly inputMetadata: readonly { name: string }[];
  readonly outputMetadata: readonly { name: string }[];
  run(feeds: Record<string, ort.Tensor>, fetches: Record<string, null>, options: object): Record<string, ort.Tensor>;
  dispose(): void;
}
interface NativeBinding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt(): void;
}

let nativeBinding: NativeBinding | null | undefined;

/**
 * onnxruntime-node's internal binding module, or null when this installed version does not have the shape
 * the native path was written against. The version is pinned in package.json, and a unit test fails
 * if the native path goes missing, so a version bump cannot quietly fall back to the slower path.
 */
export function loadNativeBinding(): NativeBinding | null {
  if (nativeBinding !== undefined) return nativeBinding;
  try {
    const mod = createRequire(import.meta.url)('onnxruntime-node/dist/binding.js') as Partial<NativeBinding>;
    const ok = typeof mod.initOrt === 'function' && typeof mod.binding?.InferenceSession === 'function';
    nativeBinding = ok ? (mod as NativeBinding) : null;
  } catch {
    nativeBinding = null;
  }
  return nativeBinding;
}

function nativeSession(
  mod: NativeBinding,
  bytes: Uint8Array,
  options: ort.InferenceSession.SessionOptions,
): OrtSession {
  mod.initOrt();
  const session = new mod.binding.InferenceSession();
  session.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, options);
  const runOptions = {};
  return {
    inputNames: session.inputMetadata.map((m) => m.name),
    outputNames: session.outputMetadata.map((m) => m.name),
    path: 'native',
    async run(inputName, data, dims, outputName) {
      const out = session.run(
        { [inputName]: new ort.Tensor('float32', data, dims) },
        { [outputName]: null },
        runOptions,
      );
      return out[outputName]!.data as Float32Array;
    },
    async release() {
      session.dispose();
    },
  };
}

async function publicSession(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<OrtSession> {
  const session = await ort.InferenceSession.create(bytes, options);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    path: 'public',
    async run(inputName, data, dims, outputName) {
      const out = await session.run({ [inputName]: new ort.Tensor('float32', data, dims) }, [outputName]);
      return out[outputName]!.data as Float32Array;
    },
    release: () => session.release(),
  };
}

/** A session on the native path where the installed onnxruntime-node allows it, else on the public API. */
export async function createOrtSession(
  bytes: Uint8Array,
  options: ort.InferenceSession.SessionOptions,
  path: OrtRunPath = 'native',
): Promise<OrtSession> {
  const mod = path === 'native' ? loadNativeBinding() : null;
  return mod ? nativeSession(mod, bytes, options) : publicSession(bytes, options);
}
