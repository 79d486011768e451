import { describe, expect, it } from 'vitest';
import { TOPIC_NAMES } from '../../../core/config/index.js';
import {
  batchObjectKey,
  compactLake,
  encodeLakeFile,
  listLakeObjects,
  putObjectBytes,
} from '../../../core/lake/index.js';
import { replayEvents } from '../../../local/replay/replay.js';
import { useIngestTestEnv } from '../../support/ingest-env.js';
import { asHandler, deployedApp, expectCallsAllowed } from '../../support/iam/index.js';

/**
 * The compaction task lists, reads, writes and deletes lake objects of every topic: all within its synthesized role.
 */
describe('lake compaction runs under its deployed IAM policy', () => {
  const { synth, app } = deployedApp();
  const role = app.functionRole(synth.stacks.ingest.lakeCompaction);
  const env = useIngestTestEnv('iam-compact');

  it('compacts a closed day of every topic and makes only calls its role allows', async () => {
    const prefix = env.config.ingest.lakePrefix;
    const events = [...replayEvents({ config: env.config, events: 1_000, seed: 21 })].flatMap((i) =>
      i.kind === 'event' ? [{ ...i.event, ingestTime: '2024-05-01T10:00:00.000Z' }] : [],
    );
    const byType = new Map<string, typeof events>();
    for (const e of events) byType.set(e.type, [...(byType.get(e.type) ?? []), e]);
    const topicOf: Record<string, string> = {
      'market-bar': 'market-data',
      news: 'financial-news',
      'social-post': 'social-sentiment',
      filing: 'regulatory-filings',
    };
    for (const [type, list] of byType) {
      const rows = list.map((event, i) => ({ event, kafkaPartition: 0, kafkaOffset: i }));
      await putObjectBytes(
        env.s3,
        env.bucket,
        batchObjectKey(prefix, {
          topic: topicOf[type]!,
          date: '2024-05-01',
          partition: 0,
          firstOffset: 0,
          lastOffset: rows.length - 1,
        }),
        encodeLakeFile(rows),
        'application/vnd.apache.parquet',
      );
    }
    const report = await asHandler(role.handler, () =>
      compactLake(env.s3, env.bucket, {
        lakePrefix: prefix,
        topics: TOPIC_NAMES,
        graceHours: 2,
        now: new Date('2024-05-03T00:00:00.000Z'),
      }),
    );
    expect(report.days).toHaveLength(4);
    expect((await listLakeObjects(env.s3, env.bucket, prefix)).every((o) => o.layout === 'day')).toBe(true);
    const { checked } = await expectCallsAllowed(app, [role], {
      exact: { [env.bucket]: role.environment.LAKE_BUCKET! },
    });
    expect(checked).toBeGreaterThan(4);
  });
});
