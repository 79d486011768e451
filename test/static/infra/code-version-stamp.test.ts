import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LambdaBundler } from '../../../lib/constructs/lambda-bundles.js';
import { repoRoot } from '../../../lib/constructs/signalforge-function.js';
import { buildTrainerBundle } from '../../../lib/training/trainer-bundle.js';

const A = '1111111111111111111111111111111111111111';
const B = '2222222222222222222222222222222222222222-dirty';

/** What synth does for each Lambda entry, once per commit. */
function lambdaBundle(version: string): string {
  const dir = new LambdaBundler(repoRoot, version).bundleDir('lambdas/topics/topics.handler.ts', {
    bundleAwsSdk: false,
    vendoredModules: [],
  });
  return readFileSync(join(dir, 'index.mjs'), 'utf8');
}

describe('synth stamps the code version into every bundle', () => {
  it('Lambda bundles of two commits differ, each carrying its own commit', () => {
    const [a, b] = [lambdaBundle(A), lambdaBundle(B)];
    expect(a).not.toBe(b);
    expect(a).toContain(A);
    expect(b).toContain(B);
    expect(a).not.toContain(B);
  });

  it('the trainer bundle carries the commit it was built from', () => {
    const out = mkdtempSync(join(tmpdir(), 'signalforge-trainer-bundle-'));
    buildTrainerBundle(out, repoRoot, A);
    expect(readFileSync(join(out, 'dist', 'cli.mjs'), 'utf8')).toContain(A);
  });
});
