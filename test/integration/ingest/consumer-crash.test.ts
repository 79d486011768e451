import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { auditLake, listKeys, listLakeObjects } from '../../../core/lake/index.js';
import { connectEventProducer } from '../../../lambdas/ingest/producer.js';
import { produceReplay, replayEventIds } from '../../../local/replay/replay-producer.js';
import { consumerLag, waitForDrain } from '../../../local/event-source/index.js';
import { useIngestTestEnv, type IngestTestEnv } from '../../support/ingest-env.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/sink-process.ts', import.meta.url));
const EVENTS = 20_000;

function runSink(env: IngestTestEnv, groupId: string, extra: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: { ...process.env, LAKE_BUCKET: env.bucket, NAMESPACE: env.namespace, GROUP_ID: groupId, ...extra },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited };
}

describe('sink runner killed mid-batch', () => {
  const env = useIngestTestEnv('crash');

  it('loses nothing and duplicates nothing across two SIGKILLs and restarts with different batch sizes', async () => {
    const options = { config: env.config, events: EVENTS, namespace: env.namespace };
    const producer = await connectEventProducer(env.kafka);
    await produceReplay(producer, options);
    await producer.disconnect();
    const groupId = `${env.namespace}-sink`;

    // First life: dies after its 6th lake object (one per partition slice of a batch), somewhere inside a batch.
    const first = runSink(env, groupId, { BATCH_SIZE: '500', CRASH_AFTER_LAKE_WRITES: '6' });
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const afterFirst = await listLakeObjects(env.s3, env.bucket, env.config.ingest.lakePrefix);
    expect(afterFirst.length).toBeGreaterThanOrEqual(6);
    const lagAfterFirst = await consumerLag(env.admin, groupId, env.topics);
    expect(lagAfterFirst).toBeGreaterThan(0);

    // Second life: different batch boundaries, so retried batches are NOT the same batches.
    const second = runSink(env, groupId, { BATCH_SIZE: '300', CRASH_AFTER_LAKE_WRITES: '10' });
    expect(await second.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await consumerLag(env.admin, groupId, env.topics)).toBeGreaterThan(0);

    // Third life runs to the end.
    const third = runSink(env, groupId, { BATCH_SIZE: '1500' });
    await waitForDrain(env.admin, groupId, env.topics, 120_000);
    third.child.kill('SIGTERM');
    await third.exited;

    const audit = await auditLake(env.s3, env.bucket, env.config.ingest.lakePrefix);
    expect(audit.duplicateEventIds).toEqual([]);
    expect(audit.duplicateOffsets).toEqual([]);
    expect(audit.rows).toBe(EVENTS);
    const expected = replayEventIds(options);
    expect([...expected].filter((id) => !audit.countsByEventId.has(id))).toEqual([]);
    // The ledgers show retried batches really did start where crashed ones had.
    expect((await listKeys(env.s3, env.bucket, `${env.config.ingest.lakePrefix}/_batches/`)).length).toBeGreaterThan(0);
  });
});
