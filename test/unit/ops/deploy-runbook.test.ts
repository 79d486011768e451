import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultConfig, modelConfigKeys } from '../../../core/config/index.js';
import { retrainInputSchema } from '../../../lambdas/training/contracts.js';
import { PREFLIGHT_CHECKS } from '../../../ops/preflight/runner.js';

const runbook = readFileSync(
  join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'docs', 'DEPLOY.md'),
  'utf8',
);

describe('docs/DEPLOY.md', () => {
  it('starts a retrain with an input the state machine accepts, for configs that exist', () => {
    const heredoc = /cat > retrain-input\.json <<EOF\n(.+)\nEOF/.exec(runbook);
    expect(heredoc, 'the retrain-input.json heredoc').not.toBeNull();
    // The runbook's RUN_ID: rt-first-$(date -u +%Y%m%d%H%M).
    const input = retrainInputSchema.parse(JSON.parse(heredoc![1]!.replace('$RUN_ID', 'rt-first-202601020304')));
    const keys = new Set(modelConfigKeys(defaultConfig).map((k) => k.key));
    expect(input.configs!.length).toBeLessThanOrEqual(defaultConfig.training.configsPerShard);
    for (const key of input.configs!) expect(keys.has(key), key).toBe(true);
  });

  it('documents every preflight check', () => {
    // A table row per check; the cell may be padded to the column's width.
    for (const { id } of PREFLIGHT_CHECKS) expect(runbook).toMatch(new RegExp(`^\\| \`${id}\` +\\|`, 'm'));
  });
});
