// @ts-nocheck: AssemblyScript (v128, load<T>, f32x4.*), compiled to recurrent.wasm by scripts/build-kernels.mjs, not by
// tsc.
//
// The LSTM's and the GRU's whole training pass (forward, head, backward through time, weight gradients)
// in one call over WebAssembly linear memory, with 128-bit SIMD. Why: on tfjs-wasm the same pass was ~64
// matMul dispatches per step plus gate math in scalar JS, 0.37x PyTorch's samples/s on one core; here
// every matMul is a register-blocked 4 x 8 SIMD kernel and the gate math is 4 lanes at a time, with no
// dispatch, no tensor allocation and no copy between steps.
//
// LSTM layout (every pointer is a byte offset; the JS side, recurrent-kernel.ts, lays the buffers out):
//   Hp = hidden rounded up to 4, G = 4 Hp (gate blocks i, f, g, o of Hp columns), Bp = batch rounded up
//   to 4, Kp = Hp + F + 1 rounded up to 4. Padded hidden units have zero weights, so they stay exactly 0
//   forward and backward; padded samples get no loss gradient, so they add nothing to any gradient.
//   a  [(T + 1) Bp, Kp]: row (t, b) = [h_{t-1} (Hp) | x_t (F) | 1 | 0...]; block T holds h_T only.
//   wp [Kp, G]: [R; W; b; 0] in the same row order, so one matMul gives every gate's pre-activation.
//   rt [G, Hp]: R transposed, for dh_{t-1} = dz_t R^T.
//   acts, dz [T Bp, G]; c [(T + 1) Bp, Hp] (c_{t-1} at block t, block 0 = 0); tc [T Bp, Hp] = tanh(c_t).
//   gw [Kp, G] = sum over (t, b) of a_(t,b)^T dz_(t,b): dR, dW and db (the 1 column) in one matMul.

// a b + c as one fused multiply-add where the CPU has FMA (relaxed SIMD: V8 emits vfmadd on x64 with
// FMA3, mul + add without). Deterministic on one machine, which is what resume and the data-parallel
// replicas (one instance type) need; it cut the gate math by a third.
function madd(a: v128, b: v128, c: v128): v128 {
  return f32x4.relaxed_madd(a, b, c);
}

// Constants are read from memory (one broadcast load each): V8 does not hoist v128.const out of loops
// and builds each from immediates in several instructions.
// tanh is Eigen's float rational approximation (odd degree-13 over even degree-6 polynomial on
// |x| <= 7.905, where tanh rounds to +-1 beyond): a few ulp, half the instructions of an exp-based
// 1 / (1 + exp(-x)) with a polynomial exp. sigmoid(x) = 0.5 + 0.5 tanh(x / 2).
const CONSTANTS: StaticArray<f32> = [
  1.0, 0.5, -7.905311107635498, 7.905311107635498, -2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11,
  5.12229709037114e-8, 1.48572235717979e-5, 6.37261928875436e-4, 4.89352455891786e-3, 1.19825839466702e-6,
  1.18534705686654e-4, 2.268434632439e-3, 4.89352518554385e-3,
];
const C_ONE: usize = 0,
  C_HALF: usize = 4,
  C_LO: usize = 8,
  C_HI: usize = 12,
  C_ALPHA: usize = 16,
  C_BETA: usize = 44;

function k4(offset: usize): v128 {
  return v128.load32_splat(changetype<usize>(CONSTANTS) + offset);
}

function tanh4(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, k4(C_LO)), k4(C_HI));
  const x2 = f32x4.mul(x, x);
  let p = k4(C_ALPHA);
  p = madd(p, x2, k4(C_ALPHA + 4));
  p = madd(p, x2, k4(C_ALPHA + 8));
  p = madd(p, x2, k4(C_ALPHA + 12));
  p = madd(p, x2, k4(C_ALPHA + 16));
  p = madd(p, x2, k4(C_ALPHA + 20));
  p = madd(p, x2, k4(C_ALPHA + 24));
  let q = k4(C_BETA);
  q = madd(q, x2, k4(C_BETA + 4));
  q = madd(q, x2, k4(C_BETA + 8));
  q = madd(q, x2, k4(C_BETA + 12));
  return f32x4.div(f32x4.mul(x, p), q);
}

function sigmoid4(x: v128): v128 {
  const half = k4(C_HALF);
  return madd(tanh4(f32x4.mul(x, half)), half, half);
}

/** c [M, N] = a [M, K] b [K, N] (row strides lda, ldb, ldc in floats); M and N multiples of 4. */
export function gemmNN(a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, M: i32, K: i32, N: i32): void {
  const sa = (<usize>lda) << 2;
  const sb = (<usize>ldb) << 2;
  for (let i = 0; i < M; i += 4) {
    const a0 = a + <usize>i * sa;
    const c0 = c + ((<usize>i * <usize>ldc) << 2);
    const sc = (<usize>ldc) << 2;
    let n = 0;
    for (; n + 8 <= N; n += 8) {
      let c00 = f32x4.splat(0),
        c01 = f32x4.splat(0),
        c10 = f32x4.splat(0),
        c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0),
        c21 = f32x4.splat(0),
        c30 = f32x4.splat(0),
        c31 = f32x4.splat(0);
      let pa = a0;
      let pb = b + ((<usize>n) << 2);
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        const x0 = v128.load32_splat(pa);
        const x1 = v128.load32_splat(pa + sa);
        const x2 = v128.load32_splat(pa + 2 * sa);
        const x3 = v128.load32_splat(pa + 3 * sa);
        c00 = madd(x0, b0, c00);
        c01 = madd(x0, b1, c01);
        c10 = madd(x1, b0, c10);
        c11 = madd(x1, b1, c11);
        c20 = madd(x2, b0, c20);
        c21 = madd(x2, b1, c21);
        c30 = madd(x3, b0, c30);
        c31 = madd(x3, b1, c31);
        pa += 4;
        pb += sb;
      }
      const pc = c0 + ((<usize>n) << 2);
      v128.store(pc, c00);
      v128.store(pc, c01, 16);
      v128.store(pc + sc, c10);
      v128.store(pc + sc, c11, 16);
      v128.store(pc + 2 * sc, c20);
      v128.store(pc + 2 * sc, c21, 16);
      v128.store(pc + 3 * sc, c30);
      v128.store(pc + 3 * sc, c31, 16);
    }
    if (n < N) {
      let c00 = f32x4.splat(0),
        c10 = f32x4.splat(0),
        c20 = f32x4.splat(0),
        c30 = f32x4.splat(0);
      let pa = a0;
      let pb = b + ((<usize>n) << 2);
      for (let k = 0; k < K; k++) {
        const b0 = v128.load(pb);
        c00 = madd(v128.load32_splat(pa), b0, c00);
        c10 = madd(v128.load32_splat(pa + sa), b0, c10);
        c20 = madd(v128.load32_splat(pa + 2 * sa), b0, c20);
        c30 = madd(v128.load32_splat(pa + 3 * sa), b0, c30);
        pa += 4;
        pb += sb;
      }
      const pc = c0 + ((<usize>n) << 2);
      v128.store(pc, c00);
      v128.store(pc + sc, c10);
      v128.store(pc + 2 * sc, c20);
      v128.store(pc + 3 * sc, c30);
    }
  }
}

/**
 * c [K, N] = sum over rows r < R of a[r, 0..K)^T d[r, 0..N): K a multiple of 4, N of 8. Rows go in
 * chunks that stay in L1 while every 4 x 8 block of c passes over them.
 */
export function gemmTN(a: usize, lda: i32, d: usize, ldd: i32, c: usize, R: i32, K: i32, N: i32): void {
  memory.fill(c, 0, (<usize>K * <usize>N) << 2);
  const sa = (<usize>lda) << 2;
  const sd = (<usize>ldd) << 2;
  const sc = (<usize>N) << 2;
  const CHUNK = 48;
  for (let r0 = 0; r0 < R; r0 += CHUNK) {
    const rows = min(CHUNK, R - r0);
    for (let k = 0; k < K; k += 4) {
      for (let n = 0; n < N; n += 8) {
        const pc = c + ((<usize>k * <usize>N + <usize>n) << 2);
        let c00 = v128.load(pc),
          c01 = v128.load(pc, 16);
        let c10 = v128.load(pc + sc),
          c11 = v128.load(pc + sc, 16);
        let c20 = v128.load(pc + 2 * sc),
          c21 = v128.load(pc + 2 * sc, 16);
        let c30 = v128.load(pc + 3 * sc),
          c31 = v128.load(pc + 3 * sc, 16);
        let pa = a + <usize>r0 * sa + ((<usize>k) << 2);
        let pd = d + <usize>r0 * sd + ((<usize>n) << 2);
        for (let r = 0; r < rows; r++) {
          const d0 = v128.load(pd);
          const d1 = v128.load(pd, 16);
          const x0 = v128.load32_splat(pa);
          const x1 = v128.load32_splat(pa, 4);
          const x2 = v128.load32_splat(pa, 8);
          const x3 = v128.load32_splat(pa, 12);
          c00 = madd(x0, d0, c00);
          c01 = madd(x0, d1, c01);
          c10 = madd(x1, d0, c10);
          c11 = madd(x1, d1, c11);
          c20 = madd(x2, d0, c20);
          c21 = madd(x2, d1, c21);
          c30 = madd(x3, d0, c30);
          c31 = madd(x3, d1, c31);
          pa += sa;
          pd += sd;
        }
        v128.store(pc, c00);
        v128.store(pc, c01, 16);
        v128.store(pc + sc, c10);
        v128.store(pc + sc, c11, 16);
        v128.store(pc + 2 * sc, c20);
        v128.store(pc + 2 * sc, c21, 16);
        v128.store(pc + 3 * sc, c30);
        v128.store(pc + 3 * sc, c31, 16);
      }
    }
  }
}

/** Gate activations of step t in place (acts holds the pre-activations), c_t, tanh(c_t) and h_t into a's next block. */
function lstmCellForward(t: i32, Bp: i32, Hp: i32, Kp: i32, a: usize, acts: usize, c: usize, tc: usize): void {
  const G = 4 * Hp;
  const hb = (<usize>Hp) << 2;
  for (let b = 0; b < Bp; b++) {
    const row = <usize>t * <usize>Bp + <usize>b;
    const pz = acts + ((row * <usize>G) << 2);
    const pcPrev = c + ((row * <usize>Hp) << 2);
    const pcNext = pcPrev + ((<usize>Bp * <usize>Hp) << 2);
    const ptc = tc + ((row * <usize>Hp) << 2);
    const ph = a + (((row + <usize>Bp) * <usize>Kp) << 2);
    for (let j = 0; j < Hp; j += 4) {
      const o4 = (<usize>j) << 2;
      const i = sigmoid4(v128.load(pz + o4));
      const f = sigmoid4(v128.load(pz + hb + o4));
      const g = tanh4(v128.load(pz + 2 * hb + o4));
      const o = sigmoid4(v128.load(pz + 3 * hb + o4));
      const cv = madd(f, v128.load(pcPrev + o4), f32x4.mul(i, g));
      const tcv = tanh4(cv);
      v128.store(pz + o4, i);
      v128.store(pz + hb + o4, f);
      v128.store(pz + 2 * hb + o4, g);
      v128.store(pz + 3 * hb + o4, o);
      v128.store(pcNext + o4, cv);
      v128.store(ptc + o4, tcv);
      v128.store(ph + o4, f32x4.mul(o, tcv));
    }
  }
}

/** Pre-activation gradients dz of step t from dh_t and the running dc (updated in place to dc_{t-1}). */
function lstmCellBackward(
  t: i32,
  Bp: i32,
  Hp: i32,
  acts: usize,
  c: usize,
  tc: usize,
  dh: usize,
  dc: usize,
  dz: usize,
): void {
  const G = 4 * Hp;
  const hb = (<usize>Hp) << 2;
  for (let b = 0; b < Bp; b++) {
    const row = <usize>t * <usize>Bp + <usize>b;
    const pz = acts + ((row * <usize>G) << 2);
    const pd = dz + ((row * <usize>G) << 2);
    const pcPrev = c + ((row * <usize>Hp) << 2);
    const ptc = tc + ((row * <usize>Hp) << 2);
    const pdh = dh + ((<usize>b * <usize>Hp) << 2);
    const pdc = dc + ((<usize>b * <usize>Hp) << 2);
    for (let j = 0; j < Hp; j += 4) {
      const o4 = (<usize>j) << 2;
      const i = v128.load(pz + o4);
      const f = v128.load(pz + hb + o4);
      const g = v128.load(pz + 2 * hb + o4);
      const o = v128.load(pz + 3 * hb + o4);
      const tcv = v128.load(ptc + o4);
      const dhv = v128.load(pdh + o4);
      const dcv = madd(f32x4.mul(dhv, o), f32x4.sub(k4(C_ONE), f32x4.mul(tcv, tcv)), v128.load(pdc + o4));
      v128.store(pd + o4, f32x4.mul(f32x4.mul(dcv, g), f32x4.mul(i, f32x4.sub(k4(C_ONE), i))));
      v128.store(
        pd + hb + o4,
        f32x4.mul(f32x4.mul(dcv, v128.load(pcPrev + o4)), f32x4.mul(f, f32x4.sub(k4(C_ONE), f))),
      );
      v128.store(pd + 2 * hb + o4, f32x4.mul(f32x4.mul(dcv, i), f32x4.sub(k4(C_ONE), f32x4.mul(g, g))));
      v128.store(pd + 3 * hb + o4, f32x4.mul(f32x4.mul(dhv, tcv), f32x4.mul(o, f32x4.sub(k4(C_ONE), o))));
      v128.store(pdc + o4, f32x4.mul(dcv, f));
    }
  }
}

/**
 * Loss (mean squared error of the linear head on h_T) and every gradient of the LSTM. The caller has
 * filled a's x and 1 columns for blocks 0..T-1 and zeroed block 0's h columns, and zeroed c's block 0
 * and dc. gout receives dwOut (Hp) then dbOut; gw as above. Returns the loss.
 */
export function lstmLossGrad(
  T: i32,
  B: i32,
  Bp: i32,
  Hp: i32,
  Kp: i32,
  y: usize,
  wp: usize,
  rt: usize,
  wout: usize,
  bout: f32,
  a: usize,
  acts: usize,
  c: usize,
  tc: usize,
  dz: usize,
  dh: usize,
  dc: usize,
  gw: usize,
  gout: usize,
): f64 {
  const G = 4 * Hp;
  const blockA = (<usize>Bp * <usize>Kp) << 2;
  const blockZ = (<usize>Bp * <usize>G) << 2;
  for (let t = 0; t < T; t++) {
    gemmNN(a + <usize>t * blockA, Kp, wp, G, acts + <usize>t * blockZ, G, Bp, Kp, G);
    lstmCellForward(t, Bp, Hp, Kp, a, acts, c, tc);
  }
  const loss = head(T, B, Bp, Hp, Kp, a, y, wout, bout, dh, gout);

  for (let t = T - 1; t >= 0; t--) {
    lstmCellBackward(t, Bp, Hp, acts, c, tc, dh, dc, dz);
    if (t > 0) gemmNN(dz + <usize>t * blockZ, G, rt, Hp, dh, Hp, Bp, G, Hp);
  }
  gemmTN(a, Kp, dz, G, gw, T * Bp, Kp, G);
  return loss;
}

// GRU (gate blocks z, r, n; ONNX linear_before_reset = 0, as forward.ts), Hp = hidden rounded up to 8:
//   a1 [(T + 1) Bp, Kp] rows [h_{t-1} | x_t | 1 | 0...], w1 [Kp, 2 Hp] = [R_zr; W_zr; b_zr] -> z, r;
//   a2 [T Bp, Kp] rows [r * h_{t-1} | x_t | 1 | 0...], w2 [Kp, Hp] = [R_n; W_n; b_n] -> n;
//   zr [T Bp, 2 Hp], n [T Bp, Hp] activations; dzr, dn their pre-activation gradients;
//   rtZr [2 Hp, Hp], rtN [Hp, Hp] the recurrent kernels transposed; gw1 [Kp, 2 Hp], gw2 [Kp, Hp].

function gruGatesForward(t: i32, Bp: i32, Hp: i32, Kp: i32, a1: usize, a2: usize, zr: usize): void {
  const hb = (<usize>Hp) << 2;
  for (let b = 0; b < Bp; b++) {
    const row = <usize>t * <usize>Bp + <usize>b;
    const pz = zr + ((row * 2 * <usize>Hp) << 2);
    const ph = a1 + ((row * <usize>Kp) << 2);
    const prh = a2 + ((row * <usize>Kp) << 2);
    for (let j = 0; j < Hp; j += 4) {
      const o4 = (<usize>j) << 2;
      const z = sigmoid4(v128.load(pz + o4));
      const r = sigmoid4(v128.load(pz + hb + o4));
      v128.store(pz + o4, z);
      v128.store(pz + hb + o4, r);
      v128.store(prh + o4, f32x4.mul(r, v128.load(ph + o4)));
    }
  }
}

function gruCandidateForward(t: i32, Bp: i32, Hp: i32, Kp: i32, a1: usize, zr: usize, n: usize): void {
  const one = k4(C_ONE);
  for (let b = 0; b < Bp; b++) {
    const row = <usize>t * <usize>Bp + <usize>b;
    const pz = zr + ((row * 2 * <usize>Hp) << 2);
    const pn = n + ((row * <usize>Hp) << 2);
    const ph = a1 + ((row * <usize>Kp) << 2);
    const phNext = ph + ((<usize>Bp * <usize>Kp) << 2);
    for (let j = 0; j < Hp; j += 4) {
      const o4 = (<usize>j) << 2;
      const nv = tanh4(v128.load(pn + o4));
      const z = v128.load(pz + o4);
      v128.store(pn + o4, nv);
      v128.store(phNext + o4, madd(z, v128.load(ph + o4), f32x4.mul(f32x4.sub(one, z), nv)));
    }
  }
}

/** dn, dz of step t and dh_{t-1}'s direct part dh z (into dhPrev). */
function gruBackwardOuter(
  t: i32,
  Bp: i32,
  Hp: i32,
  Kp: i32,
  a1: usize,
  zr: usize,
  n: usize,
  dh: usize,
  dzr: usize,
  dn: usize,
  dhPrev: usize,
): void {
  const one = k4(C_ONE);
  for (let b = 0; b < Bp; b++) {
    const row = <usize>t * <usize>Bp + <usize>b;
    const pz = zr + ((row * 2 * <usize>Hp) << 2);
    const pdz = dzr + ((row * 2 * <usize>Hp) << 2);
    const pn = n + ((row * <usize>Hp) << 2);
    const pdn = dn + ((row * <usize>Hp) << 2);
    const ph = a1 + ((row * <usize>Kp) << 2);
    const pdh = dh + ((<usize>b * <usize>Hp) << 2);
    const pdp = dhPrev + ((<usize>b * <usize>Hp) << 2);
    for (let j = 0; j < Hp; j += 4) {
      const o4 = (<usize>j) << 2;
      const z = v128.load(pz + o4);
      const nv = v128.load(pn + o4);
      const dhv = v128.load(pdh + o4);
      v128.store(pdn + o4, f32x4.mul(f32x4.mul(dhv, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(nv, nv))));
      v128.store(
        pdz + o4,
        f32x4.mul(f32x4.mul(dhv, f32x4.sub(v128.load(ph + o4), nv)), f32x4.mul(z, f32x4.sub(one, z))),
      );
      v128.store(pdp + o4, f32x4.mul(dhv, z));
    }
  }
}

/** dr of step t from drh = d(r * h_{t-1}), and drh r added to dhPrev. */
function gruBackwardReset(
  t: i32,
  Bp: i32,
  Hp: i32,
  Kp: i32,
  a1: usize,
  zr: usize,
  drh: usize,
  dzr: usize,
  dhPrev: usize,
): void {
  const hb = (<usize>Hp) << 2;
  const one = k4(C_ONE);
  for (let b = 0; b < Bp; b++) {
    const row = <usize>t * <usize>Bp + <usize>b;
    const pr = zr + ((row * 2 * <usize>Hp) << 2) + hb;
    const pdr = dzr + ((row * 2 * <usize>Hp) << 2) + hb;
    const ph = a1 + ((row * <usize>Kp) << 2);
    const pd = drh + ((<usize>b * <usize>Hp) << 2);
    const pdp = dhPrev + ((<usize>b * <usize>Hp) << 2);
    for (let j = 0; j < Hp; j += 4) {
      const o4 = (<usize>j) << 2;
      const r = v128.load(pr + o4);
      const d = v128.load(pd + o4);
      v128.store(pdr + o4, f32x4.mul(f32x4.mul(d, v128.load(ph + o4)), f32x4.mul(r, f32x4.sub(one, r))));
      v128.store(pdp + o4, madd(d, r, v128.load(pdp + o4)));
    }
  }
}

function addInto(dst: usize, src: usize, floats: i32): void {
  for (let i: usize = 0; i < (<usize>floats) << 2; i += 16)
    v128.store(dst + i, f32x4.add(v128.load(dst + i), v128.load(src + i)));
}

/** Mean squared error of the head on h_T, dwOut/dbOut into gout, dL/dh_T into dh (padded samples 0). */
function head(
  T: i32,
  B: i32,
  Bp: i32,
  Hp: i32,
  Kp: i32,
  a: usize,
  y: usize,
  wout: usize,
  bout: f32,
  dh: usize,
  gout: usize,
): f64 {
  const hT = a + ((<usize>T * <usize>Bp * <usize>Kp) << 2);
  memory.fill(gout, 0, (<usize>Hp + 1) << 2);
  memory.fill(dh, 0, (<usize>Bp * <usize>Hp) << 2);
  let loss: f64 = 0;
  let dbOut: f32 = 0;
  for (let b = 0; b < B; b++) {
    const ph = hT + ((<usize>b * <usize>Kp) << 2);
    let p: f32 = bout;
    for (let j = 0; j < Hp; j++) p += load<f32>(ph + ((<usize>j) << 2)) * load<f32>(wout + ((<usize>j) << 2));
    const e: f32 = p - load<f32>(y + ((<usize>b) << 2));
    loss += <f64>e * <f64>e;
    const dy: f32 = (2 * e) / <f32>B;
    dbOut += dy;
    for (let j = 0; j < Hp; j++) {
      const pj = (<usize>j) << 2;
      store<f32>(gout + pj, load<f32>(gout + pj) + load<f32>(ph + pj) * dy);
      store<f32>(dh + ((<usize>b * <usize>Hp) << 2) + pj, dy * load<f32>(wout + pj));
    }
  }
  store<f32>(gout + ((<usize>Hp) << 2), dbOut);
  return loss / <f64>B;
}

/**
 * Loss and every gradient of the GRU. The caller has filled a1's and a2's x and 1 columns for blocks
 * 0..T-1 and zeroed a1's block 0 h columns. dh, dhPrev, drh are [Bp, Hp] scratch.
 */
export function gruLossGrad(
  T: i32,
  B: i32,
  Bp: i32,
  Hp: i32,
  Kp: i32,
  y: usize,
  w1: usize,
  w2: usize,
  rtZr: usize,
  rtN: usize,
  wout: usize,
  bout: f32,
  a1: usize,
  a2: usize,
  zr: usize,
  n: usize,
  dzr: usize,
  dn: usize,
  dh: usize,
  dhPrev: usize,
  drh: usize,
  gw1: usize,
  gw2: usize,
  gout: usize,
): f64 {
  const blockA = (<usize>Bp * <usize>Kp) << 2;
  const blockH = (<usize>Bp * <usize>Hp) << 2;
  for (let t = 0; t < T; t++) {
    gemmNN(a1 + <usize>t * blockA, Kp, w1, 2 * Hp, zr + 2 * <usize>t * blockH, 2 * Hp, Bp, Kp, 2 * Hp);
    gruGatesForward(t, Bp, Hp, Kp, a1, a2, zr);
    gemmNN(a2 + <usize>t * blockA, Kp, w2, Hp, n + <usize>t * blockH, Hp, Bp, Kp, Hp);
    gruCandidateForward(t, Bp, Hp, Kp, a1, zr, n);
  }
  const loss = head(T, B, Bp, Hp, Kp, a1, y, wout, bout, dh, gout);
  for (let t = T - 1; t >= 0; t--) {
    gruBackwardOuter(t, Bp, Hp, Kp, a1, zr, n, dh, dzr, dn, dhPrev);
    if (t === 0) {
      // h_{-1} = 0: the reset gate scaled nothing, so its gradient is 0.
      for (let b = 0; b < Bp; b++) memory.fill(dzr + (((<usize>b * 2 + 1) * <usize>Hp) << 2), 0, (<usize>Hp) << 2);
      continue;
    }
    gemmNN(dn + <usize>t * blockH, Hp, rtN, Hp, drh, Hp, Bp, Hp, Hp);
    gruBackwardReset(t, Bp, Hp, Kp, a1, zr, drh, dzr, dhPrev);
    gemmNN(dzr + 2 * <usize>t * blockH, 2 * Hp, rtZr, Hp, dh, Hp, Bp, 2 * Hp, Hp);
    addInto(dh, dhPrev, Bp * Hp);
  }
  gemmTN(a1, Kp, dzr, 2 * Hp, gw1, T * Bp, Kp, 2 * Hp);
  gemmTN(a2, Kp, dn, Hp, gw2, T * Bp, Kp, Hp);
  return loss;
}
