import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { awsClientConfig } from '../../../core/aws/clients.js';
import { loadConfig } from '../../../core/config/index.js';
import { readClosedBars } from '../../../lambdas/serving/outcomes/lake-io.js';
import { createBucket } from '../../support/aws-fixtures.js';
import { barSeries, writeLake } from './support/lake-fixtures.js';

describe('the outcome join reads a config its own realised bars', () => {
  it("picks the symbol's rows out of a batch object that holds several symbols at the same bar times", async () => {
    const config = loadConfig({ env: { SIGNALFORGE_ENV: 'local' } });
    const s3 = new S3Client(awsClientConfig());
    const bucket = await createBucket('closed-bars');
    const specs = [
      { symbol: 'AAPL', timeframe: '1d' as const, bars: 30 },
      { symbol: 'MSFT', timeframe: '1d' as const, bars: 30 },
      { symbol: 'AAPL', timeframe: '1w' as const, bars: 10 },
    ];
    // One object, as the sink writes a partition's batch: the two daily series share every bar time.
    await writeLake(bucket, config.ingest.lakePrefix, specs);
    const expected = (i: number) => barSeries(specs[i]!).map((e) => ({ t: Date.parse(e.eventTime), c: e.c }));
    expect(expected(0).map((b) => b.c)).not.toEqual(expected(1).map((b) => b.c));
    expect(await readClosedBars(s3, bucket, config, 'AAPL#1d')).toEqual(expected(0));
    expect(await readClosedBars(s3, bucket, config, 'MSFT#1d')).toEqual(expected(1));
    expect(await readClosedBars(s3, bucket, config, 'AAPL#1w')).toEqual(expected(2));
  });
});
