import { readFileSync } from 'node:fs';
import { paramLayout, type ModelSpec } from '../spec.js';

/**
 * The LSTM training pass of recurrent.as.ts (WebAssembly SIMD), behind the same signature as
 * bptt.ts: loss and flat gradient in spec.ts's layout. This file packs the parameters into the
 * kernel's padded layout, lays the buffers out in its linear memory and unpacks the gradient.
 */
/** The WebAssembly API as Node provides it (the project's lib settings carry no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface KernelExports {
  memory: WasmMemory;
  gemmNN(a: number, lda: number, b: number, ldb: number, c: number, ldc: number, M: number, K: number, N: number): void;
  gemmTN(a: number, lda: number, d: number, ldd: number, c: number, R: number, K: number, N: number): void;
  lstmLossGrad(
    T: number, B: number, Bp: number, Hp: number, Kp: number,
    y: number, wp: number, rt: number, wout: number, bout: number,
    a: number, acts: number, c: number, tc: number, dz: number, dh: number, dc: number, gw: number, gout: number,
  ): number;
}

export interface Kernel {
  exports: KernelExports;
  /** First byte past the module's own data: buffers are laid out from here. */
  base: number;
}

let loaded: Kernel | undefined;

/** The compiled kernel, instantiated once per process (synchronously: 5 KB). */
export function recurrentKernel(): Kernel {
  if (!loaded) {
    const bytes = readFileSync(new URL('./recurrent.wasm', import.meta.url));
    const instance = new wasm.Instance(new wasm.Module(bytes), {});
    const exports = instance.exports as unknown as KernelExports;
    loaded = { exports, base: exports.memory.buffer.byteLength };
  }
  return loaded;
}

const ceil4 = (n: number) => (n + 3) & ~3;

/** Byte offsets of named float32 buffers laid out one after another, 16-byte aligned, from `base`. */
function layout(base: number, sizes: Record<string, number>): { at: Record<string, number>; end: number } {
  const at: Record<string, number> = {};
  let end = base;
  for (const [name, floats] of Object.entries(sizes)) {
    at[name] = end;
    end += ceil4(floats) * 4;
  }
  return { at, end };
}

function ensureMemory(memory: WasmMemory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
}

/** Loss and gradient of an LSTM spec, computed by the WebAssembly kernel. */
export function lstmKernelLossAndGradient(spec: ModelSpec, flat: Float32Array, x: Float32Array, y: Float32Array, B: number): { loss: number; grad: Float32Array } {
  if (spec.kind !== 'lstm') throw new Error(`lstmKernelLossAndGradient: ${spec.kind} is not an LSTM`);
  const { windowSize: T, features: F, hidden: H } = spec;
  const Hp = ceil4(H);
  const G = 4 * Hp;
  const Bp = ceil4(B);
  const Kp = ceil4(Hp + F + 1);
  const { exports: k, base } = recurrentKernel();
  const { at, end } = layout(base, {
    y: B,
    wp: Kp * G,
    rt: G * Hp,
    wout: Hp,
    a: (T + 1) * Bp * Kp,
    acts: T * Bp * G,
    c: (T + 1) * Bp * Hp,
    tc: T * Bp * Hp,
    dz: T * Bp * G,
    dh: Bp * Hp,
    dc: Bp * Hp,
    gw: Kp * G,
    gout: Hp + 1,
  });
  ensureMemory(k.memory, end);
  const mem = new Float32Array(k.memory.buffer);
  const view = (name: string, floats: number) => mem.subarray(at[name]! / 4, at[name]! / 4 + floats);

  const off = Object.fromEntries(paramLayout(spec).map((p) => [p.name, p.offset]));
  const [oW, oR, oB, oWOut] = [off.w!, off.r!, off.b!, off.wOut!];
  // wp rows: h (Hp, R's rows), x (F, W's rows), the bias row, zero rows; columns gate * Hp + j.
  const wp = view('wp', Kp * G).fill(0);
  const rt = view('rt', G * Hp).fill(0);
  for (let gate = 0; gate < 4; gate++) {
    for (let j = 0; j < H; j++) {
      const col = gate * Hp + j;
      const src = gate * H + j;
      for (let i = 0; i < H; i++) {
        const r = flat[oR + i * 4 * H + src]!;
        wp[i * G + col] = r;
        rt[col * Hp + i] = r;
      }
      for (let f = 0; f < F; f++) wp[(Hp + f) * G + col] = flat[oW + f * 4 * H + src]!;
      wp[(Hp + F) * G + col] = flat[oB + src]!;
    }
  }
  view('wout', Hp).fill(0).set(flat.subarray(oWOut, oWOut + H));
  view('y', B).set(y.subarray(0, B));
  // a's x and 1 columns for every step; h_{-1} = 0; padded samples are all zero.
  const a = view('a', (T + 1) * Bp * Kp).fill(0);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const row = (t * Bp + b) * Kp;
      a.set(x.subarray((b * T + t) * F, (b * T + t + 1) * F), row + Hp);
      a[row + Hp + F] = 1;
    }
  }
  view('c', Bp * Hp).fill(0);
  view('dc', Bp * Hp).fill(0);

  const loss = k.lstmLossGrad(T, B, Bp, Hp, Kp, at.y!, at.wp!, at.rt!, at.wout!, flat[oWOut + H]!, at.a!, at.acts!, at.c!, at.tc!, at.dz!, at.dh!, at.dc!, at.gw!, at.gout!);

  const grad = new Float32Array(flat.length);
  const gw = view('gw', Kp * G);
  for (let gate = 0; gate < 4; gate++) {
    for (let j = 0; j < H; j++) {
      const col = gate * Hp + j;
      const dst = gate * H + j;
      for (let i = 0; i < H; i++) grad[oR + i * 4 * H + dst] = gw[i * G + col]!;
      for (let f = 0; f < F; f++) grad[oW + f * 4 * H + dst] = gw[(Hp + f) * G + col]!;
      grad[oB + dst] = gw[(Hp + F) * G + col]!;
    }
  }
  const gout = view('gout', Hp + 1);
  grad.set(gout.subarray(0, H), oWOut);
  grad[oWOut + H] = gout[Hp]!;
  return { loss, grad };
}
