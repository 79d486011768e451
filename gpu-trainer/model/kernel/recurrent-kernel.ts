import { readFileSync } from 'node:fs';
import { paramLayout, type ModelSpec } from '../spec.js';

/**
 * The LSTM and GRU training passes of recurrent.as.ts (WebAssembly SIMD), behind the same signature as
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
    T: number,
    B: number,
    Bp: number,
    Hp: number,
    Kp: number,
    y: number,
    wp: number,
    rt: number,
    wout: number,
    bout: number,
    a: number,
    acts: number,
    c: number,
    tc: number,
    dz: number,
    dh: number,
    dc: number,
    gw: number,
    gout: number,
  ): number;
  gruLossGrad(
    T: number,
    B: number,
    Bp: number,
    Hp: number,
    Kp: number,
    y: number,
    w1: number,
    w2: number,
    rtZr: number,
    rtN: number,
    wout: number,
    bout: number,
    a1: number,
    a2: number,
    zr: number,
    n: number,
    dzr: number,
    dn: number,
    dh: number,
    dhPrev: number,
    drh: number,
    gw1: number,
    gw2: number,
    gout: number,
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

/** Parameter offsets and sizes of a recurrent spec with `gates` gate blocks in its kernels. */
interface Dims {
  T: number;
  F: number;
  H: number;
  Hp: number;
  Kp: number;
  gates: number;
  oW: number;
  oR: number;
  oB: number;
  oWOut: number;
}

function dims(spec: ModelSpec, B: number, hAlign: number): Dims & { Bp: number } {
  const { windowSize: T, features: F, hidden: H } = spec;
  const Hp = Math.ceil(H / hAlign) * hAlign;
  const off = Object.fromEntries(paramLayout(spec).map((p) => [p.name, p.offset]));
  return {
    T,
    F,
    H,
    Hp,
    Kp: ceil4(Hp + F + 1),
    Bp: ceil4(B),
    gates: spec.kind === 'lstm' ? 4 : 3,
    oW: off.w!,
    oR: off.r!,
    oB: off.b!,
    oWOut: off.wOut!,
  };
}

/**
 * Gate blocks [g0, g1) of the kernels into wp [Kp, (g1 - g0) Hp] = [R; W; b; 0] (rows h, x, bias) and
 * their recurrent part transposed into rt [(g1 - g0) Hp, Hp]; padding stays 0.
 */
function packGates(flat: Float32Array, d: Dims, g0: number, g1: number, wp: Float32Array, rt: Float32Array): void {
  const cols = (g1 - g0) * d.Hp;
  const stride = d.gates * d.H;
  wp.fill(0);
  rt.fill(0);
  for (let gate = g0; gate < g1; gate++) {
    for (let j = 0; j < d.H; j++) {
      const col = (gate - g0) * d.Hp + j;
      const src = gate * d.H + j;
      for (let i = 0; i < d.H; i++) {
        const r = flat[d.oR + i * stride + src]!;
        wp[i * cols + col] = r;
        rt[col * d.Hp + i] = r;
      }
      for (let f = 0; f < d.F; f++) wp[(d.Hp + f) * cols + col] = flat[d.oW + f * stride + src]!;
      wp[(d.Hp + d.F) * cols + col] = flat[d.oB + src]!;
    }
  }
}

/** The inverse of packGates for a gradient gw [Kp, (g1 - g0) Hp] into grad's w, r and b. */
function unpackGates(gw: Float32Array, d: Dims, g0: number, g1: number, grad: Float32Array): void {
  const cols = (g1 - g0) * d.Hp;
  const stride = d.gates * d.H;
  for (let gate = g0; gate < g1; gate++) {
    for (let j = 0; j < d.H; j++) {
      const col = (gate - g0) * d.Hp + j;
      const dst = gate * d.H + j;
      for (let i = 0; i < d.H; i++) grad[d.oR + i * stride + dst] = gw[i * cols + col]!;
      for (let f = 0; f < d.F; f++) grad[d.oW + f * stride + dst] = gw[(d.Hp + f) * cols + col]!;
      grad[d.oB + dst] = gw[(d.Hp + d.F) * cols + col]!;
    }
  }
}

/** x [B, T, F] into the x columns of a [(T + 1) Bp, Kp] (after Hp h columns), with the 1 column; the rest 0. */
function packInputs(x: Float32Array, d: Dims & { Bp: number }, B: number, a: Float32Array): void {
  a.fill(0);
  for (let t = 0; t < d.T; t++) {
    for (let b = 0; b < B; b++) {
      const row = (t * d.Bp + b) * d.Kp;
      a.set(x.subarray((b * d.T + t) * d.F, (b * d.T + t + 1) * d.F), row + d.Hp);
      a[row + d.Hp + d.F] = 1;
    }
  }
}

function headGradient(d: Dims, gout: Float32Array, grad: Float32Array): void {
  grad.set(gout.subarray(0, d.H), d.oWOut);
  grad[d.oWOut + d.H] = gout[d.Hp]!;
}

/** A kernel's training step: the batch's MSE and flat gradient of a one-layer recurrent spec at `flat`. */
type KernelLossAndGradient = (
  spec: ModelSpec,
  flat: Float32Array,
  x: Float32Array,
  y: Float32Array,
  B: number,
) => { loss: number; grad: Float32Array };

/** Loss and gradient of an LSTM spec, computed by the WebAssembly kernel. */
export const lstmKernelLossAndGradient: KernelLossAndGradient = (spec, flat, x, y, B) => {
  if (spec.kind !== 'lstm') throw new Error(`lstmKernelLossAndGradient: ${spec.kind} is not an LSTM`);
  const d = dims(spec, B, 4);
  const { T, Hp, Kp, Bp } = d;
  const G = 4 * Hp;
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
  packGates(flat, d, 0, 4, view('wp', Kp * G), view('rt', G * Hp));
  view('wout', Hp)
    .fill(0)
    .set(flat.subarray(d.oWOut, d.oWOut + d.H));
  view('y', B).set(y.subarray(0, B));
  packInputs(x, d, B, view('a', (T + 1) * Bp * Kp));
  view('c', Bp * Hp).fill(0);
  view('dc', Bp * Hp).fill(0);
  const loss = k.lstmLossGrad(
    T,
    B,
    Bp,
    Hp,
    Kp,
    at.y!,
    at.wp!,
    at.rt!,
    at.wout!,
    flat[d.oWOut + d.H]!,
    at.a!,
    at.acts!,
    at.c!,
    at.tc!,
    at.dz!,
    at.dh!,
    at.dc!,
    at.gw!,
    at.gout!,
  );
  const grad = new Float32Array(flat.length);
  unpackGates(view('gw', Kp * G), d, 0, 4, grad);
  headGradient(d, view('gout', Hp + 1), grad);
  return { loss, grad };
};

/** Loss and gradient of a GRU spec, computed by the WebAssembly kernel (hidden padded to 8 for its matMuls). */
export const gruKernelLossAndGradient: KernelLossAndGradient = (spec, flat, x, y, B) => {
  if (spec.kind !== 'gru') throw new Error(`gruKernelLossAndGradient: ${spec.kind} is not a GRU`);
  const d = dims(spec, B, 8);
  const { T, Hp, Kp, Bp } = d;
  const { exports: k, base } = recurrentKernel();
  const { at, end } = layout(base, {
    y: B,
    w1: Kp * 2 * Hp,
    w2: Kp * Hp,
    rtZr: 2 * Hp * Hp,
    rtN: Hp * Hp,
    wout: Hp,
    a1: (T + 1) * Bp * Kp,
    a2: (T + 1) * Bp * Kp,
    zr: T * Bp * 2 * Hp,
    n: T * Bp * Hp,
    dzr: T * Bp * 2 * Hp,
    dn: T * Bp * Hp,
    dh: Bp * Hp,
    dhPrev: Bp * Hp,
    drh: Bp * Hp,
    gw1: Kp * 2 * Hp,
    gw2: Kp * Hp,
    gout: Hp + 1,
  });
  ensureMemory(k.memory, end);
  const mem = new Float32Array(k.memory.buffer);
  const view = (name: string, floats: number) => mem.subarray(at[name]! / 4, at[name]! / 4 + floats);
  packGates(flat, d, 0, 2, view('w1', Kp * 2 * Hp), view('rtZr', 2 * Hp * Hp));
  packGates(flat, d, 2, 3, view('w2', Kp * Hp), view('rtN', Hp * Hp));
  view('wout', Hp)
    .fill(0)
    .set(flat.subarray(d.oWOut, d.oWOut + d.H));
  view('y', B).set(y.subarray(0, B));
  packInputs(x, d, B, view('a1', (T + 1) * Bp * Kp));
  view('a2', (T + 1) * Bp * Kp).set(view('a1', (T + 1) * Bp * Kp));
  const loss = k.gruLossGrad(
    T,
    B,
    Bp,
    Hp,
    Kp,
    at.y!,
    at.w1!,
    at.w2!,
    at.rtZr!,
    at.rtN!,
    at.wout!,
    flat[d.oWOut + d.H]!,
    at.a1!,
    at.a2!,
    at.zr!,
    at.n!,
    at.dzr!,
    at.dn!,
    at.dh!,
    at.dhPrev!,
    at.drh!,
    at.gw1!,
    at.gw2!,
    at.gout!,
  );
  const grad = new Float32Array(flat.length);
  unpackGates(view('gw1', Kp * 2 * Hp), d, 0, 2, grad);
  unpackGates(view('gw2', Kp * Hp), d, 2, 3, grad);
  headGradient(d, view('gout', Hp + 1), grad);
  return { loss, grad };
};
