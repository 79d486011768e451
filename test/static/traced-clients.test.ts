import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../lib/constructs/signalforge-function.js';

/**
 * The functions run with X-Ray tracing active (lib/constructs/signalforge-function.ts), so every AWS SDK client of
 * the deployed code comes from core/aws's `awsClient`, which traces it. A client built any other way would leave a
 * gap in the trace.
 */
describe('traced AWS clients', () => {
  it('every AWS SDK client in core/, lambdas/ and gpu-trainer/ is built by awsClient', () => {
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', 'core', 'lambdas', 'gpu-trainer'], {
      cwd: repoRoot,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((f) => f.endsWith('.ts') && f !== 'core/aws/clients.ts');
    const untraced = files.flatMap((file) =>
      readFileSync(join(repoRoot, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (/\bnew \w+Client\(/.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(untraced).toEqual([]);
    expect(readFileSync(join(repoRoot, 'lib/constructs/signalforge-function.ts'), 'utf8')).toContain('Tracing.ACTIVE');
  });
});
