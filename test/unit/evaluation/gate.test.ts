import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config/index.js';
import { rangesToIndices, type GateDecision } from '../../../core/evaluation/index.js';
import { makeFeatureSpec, type OhlcvBar } from '../../../core/features/index.js';
import { gaussian, seededRandom } from '../../../core/random/index.js';
import { buildDataset, datasetConfig, sampleBar, type Dataset } from '../../../gpu-trainer/dataset.js';
import type { walkForwardEvaluation } from '../../../gpu-trainer/export.js';
import { decideGate, type GateCandidate } from '../../../lambdas/training/tasks/gate.js';
import { evaluateDaily } from '../../support/evaluation.js';

// The real fold construction, statistics and gate decision over predictions from a cheap real learner: ridge
// AR(p) on the last p bar returns, fitted in closed form on each fold's training part (so no early stopping),
// with a search of three trials p = 1, 2, 5 per config, the winner chosen by pooled out-of-sample MSE as the
// trainer does. Four configs per run, as the sandbox's default universe; daily bars, 5 bp costs.
const cfg = loadConfig({ env: {} });
const spec = makeFeatureSpec();
const BARS = 700;
const CONFIGS = 4;
const TRIALS = [1, 2, 5];
const SEEDS = 40;

/** Daily bars whose log returns follow AR(1) with coefficient `phi` and 1% innovations (phi = 0: a random walk). */
function series(seed: number, phi: number): OhlcvBar[] {
  const rand = seededRandom(seed);
  const bars: OhlcvBar[] = [];
  let price = 100;
  let r = 0;
  for (let i = 0; i < BARS; i++) {
    r = phi * r + 0.01 * gaussian(rand);
    const open = price;
    price *= Math.exp(r);
    bars.push({
      t: Date.UTC(2020, 0, 1) + i * 86_400_000,
      o: open,
      h: Math.max(open, price) * 1.002,
      l: Math.min(open, price) * 0.998,
      c: price,
      v: 1e6,
    });
  }
  return bars;
}

function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

/** Ridge AR(p) fitted per fold on the training samples; returns the pooled out-of-sample predictions. */
function ridgeAr(ds: Dataset, bars: readonly OhlcvBar[], p: number): Float64Array {
  const ret = (b: number) => bars[b]!.c / bars[b - 1]!.c - 1;
  const x = (s: number) => [1, ...Array.from({ length: p }, (_, k) => ret(sampleBar(ds, s) - k))];
  const first = ds.folds[0]!.test.start;
  const out = new Float64Array(ds.targets.length - first);
  for (const fold of ds.folds) {
    const train = rangesToIndices(fold.train);
    const xtx = Array.from({ length: p + 1 }, () => new Array<number>(p + 1).fill(0));
    const xty = new Array<number>(p + 1).fill(0);
    for (const s of train) {
      const row = x(s);
      for (let i = 0; i <= p; i++) {
        xty[i]! += row[i]! * ds.targets[s]!;
        for (let j = 0; j <= p; j++) xtx[i]![j]! += row[i]! * row[j]!;
      }
    }
    for (let i = 1; i <= p; i++) xtx[i]![i]! += 1e-4 * train.length; // ridge on the lags, not the intercept
    const beta = solve(xtx, xty);
    for (let s = fold.test.start; s < fold.test.end; s++)
      out[s - first] = x(s).reduce((acc, v, i) => acc + v * beta[i]!, 0);
  }
  return out;
}

/** One run: CONFIGS series, each searched over TRIALS, gated together. */
function gateRun(seed: number, phi: number): GateDecision[] {
  const candidates: GateCandidate[] = [];
  for (let c = 0; c < CONFIGS; c++) {
    const bars = series(seed * 1000 + c, phi);
    const ds = buildDataset(bars, spec, datasetConfig(cfg, 8));
    const trialsOos = TRIALS.map((p) => ridgeAr(ds, bars, p));
    const actual = ds.targets.subarray(ds.folds[0]!.test.start);
    const oosMse = trialsOos.map((o) => o.reduce((s, v, i) => s + (v - actual[i]!) ** 2, 0));
    const selected = oosMse.indexOf(Math.min(...oosMse));
    const { evaluation } = evaluateDaily(cfg, { dataset: ds, bars, trialsOos, selected });
    candidates.push({ key: `S${c}#1d`, version: 1, evaluation, champion: null });
  }
  return decideGate(candidates, cfg.evaluation);
}

describe('the gate on many seeds', () => {
  it('a pure-noise run promotes nothing in at least 95% of seeds', () => {
    let clean = 0;
    const pValues: number[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const decisions = gateRun(seed, 0);
      if (decisions.every((d) => d.verdict === 'rejected')) clean++;
      pValues.push(...decisions.map((d) => d.dm!.pValue));
      for (const d of decisions)
        if (d.verdict === 'rejected') expect(d.reasons.join(' ')).not.toMatch(/all checks passed/);
    }
    const rate = clean / SEEDS;
    console.log(
      `noise: ${clean}/${SEEDS} runs promoted nothing (rate ${rate.toFixed(3)}); ${pValues.filter((p) => p <= 0.05).length}/${pValues.length} raw DM p-values <= 0.05`,
    );
    expect(rate).toBeGreaterThanOrEqual(0.95);
  });

  it('on AR(1) returns with phi = 0.3 the same pipeline promotes in most seeds (the gate is not simply shut)', () => {
    let promotedRuns = 0;
    let promotedConfigs = 0;
    const seeds = 10;
    for (let seed = 1; seed <= seeds; seed++) {
      const decisions = gateRun(seed, 0.3);
      const n = decisions.filter((d) => d.verdict === 'promotable').length;
      promotedConfigs += n;
      if (n > 0) promotedRuns++;
    }
    console.log(
      `AR(1) phi 0.3: ${promotedRuns}/${seeds} runs promoted something; ${promotedConfigs}/${seeds * CONFIGS} configs promotable`,
    );
    expect(promotedRuns / seeds).toBeGreaterThanOrEqual(0.8);
    expect(promotedConfigs / (seeds * CONFIGS)).toBeGreaterThanOrEqual(0.75);
  });
});

describe('gate decisions', () => {
  const ev = cfg.evaluation;
  /** The first seed's AR(phi) evaluation (ridge AR(1), one trial) that satisfies `accept`. */
  const findEvaluation = (
    phi: number,
    accept: (e: ReturnType<typeof walkForwardEvaluation>['evaluation']) => boolean,
  ) => {
    for (let seed = 1; seed < 200; seed++) {
      const b = series(seed, phi);
      const d = buildDataset(b, spec, datasetConfig(cfg, 8));
      const e = evaluateDaily(cfg, { dataset: d, bars: b, trialsOos: [ridgeAr(d, b, 1)] }).evaluation;
      if (accept(e)) return { evaluation: e, dataset: d, bars: b };
    }
    throw new Error(`no seed of AR(${phi}) satisfies the condition`);
  };
  // The absolute bar passed with room to spare, so the champion alone decides below.
  const {
    evaluation: skilled,
    dataset: ds,
    bars,
  } = findEvaluation(
    0.3,
    (e) => e.dieboldMariano.pValue < 1e-3 && e.deflatedSharpe.probability > 0.99 && e.pooled.model.sharpe > 0,
  );
  const window = {
    from: skilled.latestFold.times[0]!,
    to: skilled.latestFold.times.at(-1)!,
    samples: skilled.latestFold.times.length,
  };
  const champion = (improvement: number) => ({
    version: 3,
    loss: 1e-4,
    candidateLoss: 1e-4 * (1 - improvement),
    improvement,
    netSharpe: 0.5,
    candidateNetSharpe: 1,
    window,
  });

  it('a skilled candidate passes; the same candidate short of the champion margin is rejected with both losses', () => {
    const [pass] = decideGate([{ key: 'A#1d', version: 4, evaluation: skilled, champion: champion(0.05) }], ev);
    expect(pass!.verdict).toBe('promotable');
    expect(pass!.champion).toMatchObject({
      version: 3,
      improvement: 0.05,
      window,
      netSharpe: 0.5,
      candidateNetSharpe: 1,
    });
    expect(pass!.reasons[0]).toMatch(/^all checks passed: DM p = .* beats production v3 by 5\.00% >= 1\.00%/);
    const [fail] = decideGate([{ key: 'A#1d', version: 4, evaluation: skilled, champion: champion(0.005) }], ev);
    expect(fail!.verdict).toBe('rejected');
    expect(fail!.reasons).toEqual([
      expect.stringMatching(/vs production v3 on .* MSE 9\.950e-5 vs 1\.000e-4, improvement 0\.50% < required 1\.00%/),
    ]);
  });

  it('a champion that cannot be re-scored fails closed; missing evaluation and constant predictions are rejected', () => {
    const [closed] = decideGate(
      [{ key: 'A#1d', version: 4, evaluation: skilled, champion: 'production v3 artifact sha256 differs' }],
      ev,
    );
    expect(closed!.verdict).toBe('rejected');
    expect(closed!.reasons[0]).toMatch(/production could not be re-scored .*sha256 differs/);
    const flat = evaluateDaily(cfg, {
      dataset: ds,
      bars,
      trialsOos: [new Float64Array(skilled.latestFold.times.length * ds.folds.length).fill(0.001)],
    }).evaluation;
    const [constant, none] = decideGate(
      [
        { key: 'A#1d', version: 4, evaluation: flat, champion: null },
        { key: 'B#1d', version: 1, evaluation: undefined, champion: null },
      ],
      ev,
    );
    expect(constant!.reasons.join('; ')).toMatch(/degenerate out-of-sample predictions: 1 distinct value/);
    expect(none).toMatchObject({
      verdict: 'rejected',
      dm: null,
      reasons: [expect.stringMatching(/no walk-forward evaluation/)],
    });
  });

  it("Holm adjusts each config's p-value over the run: the same evidence fails in a larger family", () => {
    // A weaker edge: p-value between alpha / 4 and alpha.
    const weak = findEvaluation(
      0.1,
      (e) => e.dieboldMariano.pValue > ev.alpha / 4 && e.dieboldMariano.pValue < ev.alpha,
    ).evaluation;
    const alone = decideGate([{ key: 'W#1d', version: 1, evaluation: weak, champion: null }], ev)[0]!;
    expect(alone.dm!.adjustedPValue).toBe(alone.dm!.pValue);
    const family = decideGate(
      ['W', 'X', 'Y', 'Z'].map((k) => ({ key: `${k}#1d`, version: 1, evaluation: weak, champion: null })),
      ev,
    );
    // Four equal p-values: Holm multiplies the smallest by 4, and the running maximum carries it to all.
    for (const d of family) expect(d.dm!.adjustedPValue).toBeCloseTo(Math.min(1, 4 * weak.dieboldMariano.pValue), 12);
    for (const d of family) expect(d.reasons.join('; ')).toMatch(/Holm-adjusted over 4 configs/);
  });
});

describe('sanity on diverged predictions', () => {
  it('NaN out-of-sample predictions are counted, scored as the naive forecast, and rejected by the gate', () => {
    const bars = series(3, 0.3);
    const ds = buildDataset(bars, spec, datasetConfig(cfg, 8));
    const oos = ridgeAr(ds, bars, 1);
    for (let i = 0; i < oos.length; i += 7) oos[i] = Number.NaN;
    const { evaluation } = evaluateDaily(cfg, { dataset: ds, bars, trialsOos: [oos] });
    expect(evaluation.predictions.nonFinite).toBe(Math.ceil(oos.length / 7));
    expect(Number.isFinite(evaluation.pooled.model.mse)).toBe(true);
    expect(
      JSON.parse(JSON.stringify(evaluation.latestFold.predictions)).every((v: unknown) => typeof v === 'number'),
    ).toBe(true);
    const [d] = decideGate([{ key: 'N#1d', version: 1, evaluation, champion: null }], cfg.evaluation);
    expect(d!.verdict).toBe('rejected');
    expect(d!.reasons.join('; ')).toMatch(
      new RegExp(`${evaluation.predictions.nonFinite} out-of-sample predictions are not finite`),
    );
  });
});
