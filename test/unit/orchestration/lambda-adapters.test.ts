import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultConfig, deepMerge } from '../../../core/config/index.js';
import { RETRAIN_TASKS } from '../../../lambdas/training/task-catalog.js';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

describe('retrain Lambda adapters', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('has an entry file exporting handler for every task in the catalog', async () => {
    for (const [name, spec] of Object.entries(RETRAIN_TASKS)) {
      expect(existsSync(spec.entry), name).toBe(true);
      const mod = (await import(/* @vite-ignore */ pathToFileURL(resolve(spec.entry)).href)) as { handler?: unknown };
      expect(typeof mod.handler, name).toBe('function');
    }
  });

  it('builds its dependencies from the contract environment and runs the task on the event', async () => {
    // The ec2 backend's launcher variables are absent: a task that never launches must not need them.
    const config = deepMerge(defaultConfig, { training: { backend: 'ec2', configsPerShard: 2 } });
    vi.stubEnv('SIGNALFORGE_CONFIG_JSON', JSON.stringify(config));
    vi.stubEnv('LAKE_BUCKET', 'lake');
    vi.stubEnv('ARTIFACT_BUCKET', 'artifacts');
    vi.stubEnv('REGISTRY_TABLE', 'registry');
    const { handler } = await import('../../../lambdas/training/plan-shards.handler.js');
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const context = {
      awsRequestId: 'req-1',
      functionName: 'plan',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:1:function:plan',
      memoryLimitInMB: '512',
    } as Context;
    const out = (await handler({ run: { runId: 'rt-1', configs: ['AAPL#1h', 'MSFT#1h', 'NVDA#1h'] } }, context)) as {
      shardCount: number;
    };
    write.mockRestore();
    expect(out.shardCount).toBe(2);
    // One log shape: Powertools JSON with the Lambda context and the run id as correlation ids.
    const logged = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.find((l) => l.message === 'task finished')).toMatchObject({
      level: 'INFO',
      function_request_id: 'req-1',
      function_name: 'plan',
      runId: 'rt-1',
      task: 'plan',
      codeVersion: expect.any(String),
    });
  });
});
