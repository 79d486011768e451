import { describe, expect, it } from 'vitest';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { modelConfigKeys } from '../../../core/config/index.js';
import { approvalPolls } from '../../../lambdas/training/approval-polls.js';
import { DEFAULT_OPTIONS, parseSandboxArgs, UsageError } from '../../../local/sandbox/options.js';
import { sandboxResourceNames } from '../../../local/sandbox/resources.js';
import { replayEventCount, sandboxConfig } from '../../../local/sandbox/sandbox-config.js';
import { statsFor, withReportRoute } from '../../../local/sandbox/serve.js';

describe('sandbox flags', () => {
  it('parses every flag and returns undefined for --help', () => {
    expect(parseSandboxArgs(['--help'])).toBeUndefined();
    const opts = parseSandboxArgs([
      '--once',
      '--fresh',
      '--port',
      '0',
      '--epochs',
      '2',
      '--symbols',
      'SPX,MSFT',
      '--timeframes',
      '1h',
    ]);
    expect(opts).toMatchObject({
      once: true,
      fresh: true,
      full: false,
      port: 0,
      epochs: 2,
      symbols: ['SPX', 'MSFT'],
      timeframes: ['1h'],
    });
    expect(parseSandboxArgs([])).toEqual(DEFAULT_OPTIONS);
  });

  it('rejects unknown flags and bad numbers with a usage error', () => {
    expect(() => parseSandboxArgs(['--nope'])).toThrow(UsageError);
    expect(() => parseSandboxArgs(['--epochs', '0'])).toThrow(/--epochs must be an integer >= 1/);
  });

  it('takes --scenario default|noise|signal and --seed, and names the choices on an unknown scenario', () => {
    expect(parseSandboxArgs([])).toMatchObject({ scenario: 'default', seed: 42 });
    expect(parseSandboxArgs(['--scenario', 'noise', '--seed', '7'])).toMatchObject({ scenario: 'noise', seed: 7 });
    expect(parseSandboxArgs(['--scenario', 'signal'])).toMatchObject({ scenario: 'signal' });
    expect(() => parseSandboxArgs(['--scenario', 'bull'])).toThrow(
      '--scenario must be one of default, noise, signal, signal-sentiment, got bull',
    );
    expect(() => parseSandboxArgs(['--seed', '1.5'])).toThrow(/--seed must be an integer >= 0/);
  });

  it('--approval manual turns on manual promotion with sandbox timing that fits the poll budget', () => {
    expect(parseSandboxArgs([])).toMatchObject({ approval: 'auto' });
    expect(sandboxConfig(DEFAULT_OPTIONS, {}).promotion.approval).toBe('auto');
    const manual = sandboxConfig(parseSandboxArgs(['--approval', 'manual'])!, {});
    expect(manual.promotion).toEqual({ approval: 'manual', approvalPollSeconds: 5, approvalTimeoutSeconds: 900 });
    expect(approvalPolls(manual.promotion)).toBe(180);
    expect(() => parseSandboxArgs(['--approval', 'maybe'])).toThrow('--approval must be auto or manual, got maybe');
  });
});

describe('sandbox config', () => {
  it('shrinks the universe and training through loadConfig overrides; --full keeps all 100 configs', () => {
    const small = sandboxConfig(DEFAULT_OPTIONS, {});
    expect(small.envName).toBe('local');
    expect(modelConfigKeys(small)).toHaveLength(DEFAULT_OPTIONS.symbols.length * DEFAULT_OPTIONS.timeframes.length);
    expect(small.thresholds.bakeSeconds).toBe(DEFAULT_OPTIONS.bakeSeconds);
    expect(small.training.hyperparameters.epochs).toBe(DEFAULT_OPTIONS.epochs);
    expect(small.training.backend).toBe('local');
    const full = sandboxConfig({ ...DEFAULT_OPTIONS, full: true }, {});
    expect(modelConfigKeys(full)).toHaveLength(100);
    // Every config needs room above the quality gate's minimum rows.
    expect((replayEventCount({ ...DEFAULT_OPTIONS, full: true }, full) * 0.8) / 100).toBeGreaterThanOrEqual(
      full.thresholds.minRowsPerConfig * 2,
    );
  });

  it('gives a namespaced sandbox its own env name, bucket, table and topic names', () => {
    const config = sandboxConfig({ ...DEFAULT_OPTIONS, namespace: 'abc123' }, {});
    const names = sandboxResourceNames(config, 'us-east-1', 'abc123');
    expect(names.lakeBucket).toBe('sf-sbx-abc123-lake-000000000000-us-east-1');
    expect(names.artifactBucket).toBe('sf-sbx-abc123-artifacts-000000000000-us-east-1');
    expect(names.registryTable).toBe('signalforge-sbx-abc123-registry');
    expect(names.topics['market-data']).toBe('abc123.market-data');
  });
});

describe('sandbox API additions', () => {
  const event = (path: string, httpMethod = 'GET') => ({ path, httpMethod }) as APIGatewayProxyEvent;
  const inner = async () => ({ statusCode: 204, body: '' });

  it('serves /report once written and passes every other route to the inference handler', async () => {
    let html: string | undefined;
    const handler = withReportRoute(inner, () => html);
    expect((await handler(event('/report'))).statusCode).toBe(503);
    html = '<html>report</html>';
    const res = await handler(event('/report'));
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(html);
    expect((await handler(event('/v1/predict', 'POST'))).statusCode).toBe(204);
  });

  it("counts a version's requests and errors over all aliases for the canary bake", () => {
    const service = {
      stats: () => ({
        'AAPL#1d|canary|2': { requests: 5, errors: 1 },
        'AAPL#1d|production|2': { requests: 3, errors: 0 },
        'AAPL#1d|production|1': { requests: 7, errors: 7 },
      }),
    };
    expect(statsFor(service, 'AAPL#1d', 2)).toEqual({ requests: 8, errors: 1 });
    expect(statsFor(service, 'MSFT#1d', 2)).toEqual({ requests: 0, errors: 0 });
  });
});
