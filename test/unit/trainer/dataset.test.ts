import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { computeFeatures, makeFeatureSpec, minBarsForWindow } from '../../../core/features/index.js';
import { LocalDirStore, checkpointKey, datasetManifestSchema } from '../../../core/artifacts/index.js';
import { buildDataset, DatasetError, fitView, gatherWindows } from '../../../gpu-trainer/dataset.js';
import { normaliseBars, syntheticSeries } from '../../../gpu-trainer/data-source.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../../gpu-trainer/checkpoint.js';
import { ROOT } from './helpers.js';

const spec = makeFeatureSpec();
const bars = syntheticSeries('AAPL#1h', 300, 5).bars;
const split = {
  windowSize: 10,
  purgeGapBars: 4,
  folds: 4,
  embargoBars: 3,
  innerValidationFraction: 0.2,
  driftWindowBars: 5,
};

describe('dataset builder', () => {
  const ds = buildDataset(bars, spec, split);
  const samples = 300 - minBarsForWindow(spec, 10); // rows from bar historyBars - 1, the last row has no target

  it('cuts purged, embargoed walk-forward folds over the samples and a production refit split', () => {
    expect(ds.folds).toHaveLength(4);
    const block = Math.floor(samples / 5);
    expect(ds.folds.map((f) => f.test.end - f.test.start)).toEqual([block, block, block, block]);
    expect(ds.folds[3]!.test.end).toBe(samples);
    for (const f of ds.folds) expect(f.validation[f.validation.length - 1]!.end).toBe(f.test.start - 4);
    // The refit trains on everything but the last 20% (behind a purge gap of 4).
    const nVal = Math.floor(samples * 0.2);
    expect(ds.final).toEqual({
      train: [{ start: 0, end: samples - nVal - 4 }],
      validation: [{ start: samples - nVal, end: samples }],
    });
  });

  it('targets are the next bar return of each window; the drift forecast is the trailing mean bar return', () => {
    const s = 17;
    const bar = ds.firstBar + s + 10 - 1;
    expect(ds.targets[s]).toBeCloseTo(bars[bar + 1]!.c / bars[bar]!.c - 1, 14);
    let mean = 0;
    for (let b = bar - 4; b <= bar; b++) mean += (bars[b]!.c / bars[b - 1]!.c - 1) / 5;
    expect(ds.drift[s]).toBeCloseTo(mean, 14);
    expect(ds.direction[s]).toBe(Math.sign(ds.targets[s]!));
  });

  it('fits normalisation on the training rows only, per fold', () => {
    const fm = computeFeatures(bars, spec);
    const fold = ds.folds[1]!;
    const view = fitView(ds, fold.train);
    // Fold 1 trains on one contiguous range; its windows cover rows 0 .. end - 1 + window - 1.
    expect(fold.train).toHaveLength(1);
    const rows = fold.train[0]!.end - 1 + 10;
    const col = 2; // rsi
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += fm.values[r * fm.width + col]! / rows;
    expect(view.normalisation.mean[col]).toBeCloseTo(mean, 12);
    // Changing bars after the training rows leaves the fold's statistics alone.
    const changed = bars.map((b, i) =>
      i > ds.firstBar + rows + 5 ? { ...b, c: b.c * 3, h: b.h * 3, l: b.l * 3, o: b.o * 3 } : b,
    );
    const ds2 = buildDataset(changed, spec, split);
    expect(fitView(ds2, ds2.folds[1]!.train).normalisation).toEqual(view.normalisation);
    let trainTargetMean = 0;
    const n = fold.train[0]!.end;
    for (let s = 0; s < n; s++) trainTargetMean += ds.targets[s]! / n;
    expect(view.targetMean).toBeCloseTo(trainTargetMean, 14);
    // The production view is fitted on the refit's training part, which sees more data.
    expect(ds.normalisation.mean[col]).not.toBeCloseTo(mean, 6);
  });

  it('gathers windows row-major [n, window, features]', () => {
    const x = gatherWindows(ds.features, ds.width, 10, [3]);
    expect(x.length).toBe(10 * ds.width);
    expect(x[9 * ds.width]).toBe(ds.features[(3 + 9) * ds.width]);
  });

  it('refuses series too short to split', () => {
    expect(() => buildDataset(bars.slice(0, 60), spec, split)).toThrow(DatasetError);
  });

  it('deduplicates bars by time, last write wins, and sorts them', () => {
    const out = normaliseBars([
      { t: 2000, o: 1, h: 1, l: 1, c: 1, v: 1 },
      { t: '1970-01-01T00:00:01.000Z', o: 2, h: 2, l: 2, c: 2, v: 2 },
      { t: 2000, o: 3, h: 3, l: 3, c: 3, v: 3 },
    ]);
    expect(out.map((b) => [b.t, b.c])).toEqual([
      [1000, 2],
      [2000, 3],
    ]);
  });
});

describe('checkpoint container and store', () => {
  it('round-trips typed arrays bit for bit, including NaN payloads and -0', () => {
    const params = Float32Array.from([1.5, -0, Number.NaN, 3.4028234663852886e38, 1e-45]);
    const state = {
      step: 7,
      nested: { perm: Uint32Array.from([3, 1, 2]), params },
      list: [{ w: new Float64Array([Math.PI]) }],
      none: null,
    };
    const back = decodeCheckpoint<typeof state>(encodeCheckpoint(state));
    expect(back.step).toBe(7);
    expect(Array.from(back.nested.perm)).toEqual([3, 1, 2]);
    expect(new Uint8Array(back.nested.params.buffer)).toEqual(new Uint8Array(params.buffer));
    expect(back.list[0]!.w[0]).toBe(Math.PI);
    expect(back.none).toBeNull();
  });

  it('writes atomically to a local dir (temp file renamed into place)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sf-store-'));
    const store = new LocalDirStore(dir);
    const key = checkpointKey('r1', 'AAPL#1h');
    expect(key).toBe('runs/r1/checkpoints/AAPL_1h.ckpt');
    await Promise.all(Array.from({ length: 8 }, (_, i) => store.write(key, `version ${i}`)));
    expect(await readdir(join(dir, 'runs/r1/checkpoints'))).toEqual(['AAPL_1h.ckpt']);
    expect(await readFile(join(dir, key), 'utf8')).toMatch(/^version \d$/);
    expect(await store.read('missing')).toBeUndefined();
  });

  it('dataset manifests are validated at the edge', () => {
    expect(() =>
      datasetManifestSchema.parse({ manifestId: 'm', createdAt: 'yesterday', bucket: 'b', objects: [] }),
    ).toThrow();
  });
});

describe('CLI', () => {
  it('--help documents every flag the contract names', () => {
    const help = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'gpu-trainer/cli.ts'), '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    for (const flag of [
      '--data',
      '--out',
      '--configs',
      '--workers',
      '--dp-size',
      '--backend',
      '--epochs',
      '--checkpoint-every',
      '--resume',
      '--seed',
      '--run-id',
      '--spot-watch',
    ]) {
      expect(help).toContain(flag);
    }
  });
});
