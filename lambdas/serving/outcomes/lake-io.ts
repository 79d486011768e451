import type { S3Client } from '@aws-sdk/client-s3';
import type { SignalForgeConfig } from '../../../core/config/index.js';
import {
  getObjectBytes,
  listKeys,
  mapLimit,
  putObjectBytes,
  readLiveLakeEvents,
  seriesBars,
} from '../../../core/lake/index.js';
import {
  dedupePredictions,
  outcomesObjectKey,
  parsePredictionLines,
  predictionsKeyPrefix,
  type ClosedBar,
  type PredictionOutcome,
  type PredictionRecord,
} from '../../../core/live/index.js';

const decoder = new TextDecoder();

/** Every prediction record of a config in the lake, deduplicated by request id; unreadable lines are counted. */
export async function readPredictions(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ records: PredictionRecord[]; invalid: number }> {
  const objects = await listKeys(s3, bucket, predictionsKeyPrefix(key));
  const texts = await mapLimit(objects, 8, async (o) =>
    decoder.decode((await getObjectBytes(s3, bucket, o.key)) ?? new Uint8Array()),
  );
  let invalid = 0;
  const all: PredictionRecord[] = [];
  for (const text of texts) {
    const parsed = parsePredictionLines(text);
    invalid += parsed.invalid;
    // Firehose batches hold every config's records under one prefix only when dynamic partitioning is off; keep this
    // config's.
    for (const r of parsed.records) if (r.key === key) all.push(r);
  }
  return { records: dedupePredictions(all), invalid };
}

/** A config's bars in the lake (time and close), one per bar time (core/lake seriesBars: later ingest wins). */
export async function readClosedBars(
  s3: S3Client,
  bucket: string,
  config: SignalForgeConfig,
  key: string,
): Promise<ClosedBar[]> {
  const [symbol, timeframe] = key.split('#') as [string, string];
  const events = await readLiveLakeEvents(s3, bucket, config.ingest.lakePrefix, { topic: 'market-data', symbol });
  return seriesBars(events, symbol, timeframe).map((e) => ({ t: Date.parse(e.eventTime), c: e.c }));
}

/** Writes a version's outcomes only when they changed, so a re-run over the same data writes nothing. */
export async function writeOutcomes(
  s3: S3Client,
  bucket: string,
  key: string,
  version: number,
  outcomes: PredictionOutcome[],
): Promise<boolean> {
  const objectKey = outcomesObjectKey(key, version);
  const body = JSON.stringify(outcomes);
  const existing = await getObjectBytes(s3, bucket, objectKey);
  if (existing && decoder.decode(existing) === body) return false;
  await putObjectBytes(s3, bucket, objectKey, body, 'application/json');
  return true;
}

/** A version's joined outcomes (every variant it served under). */
export async function readOutcomes(
  s3: S3Client,
  bucket: string,
  key: string,
  version: number,
): Promise<PredictionOutcome[]> {
  const bytes = await getObjectBytes(s3, bucket, outcomesObjectKey(key, version));
  return bytes ? (JSON.parse(decoder.decode(bytes)) as PredictionOutcome[]) : [];
}
