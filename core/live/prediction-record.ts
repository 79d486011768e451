import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Which alias answered: production and canary answer clients; a shadow scores beside production, unseen. */
export const PREDICTION_VARIANTS = ['production', 'canary', 'shadow'] as const;
export type PredictionVariant = (typeof PREDICTION_VARIANTS)[number];

/**
 * One answered prediction, the unit of the prediction log. The same shape travels as a structured log line
 * in AWS (subscription -> Firehose -> lake) and is written straight to the lake locally.
 */
export const predictionRecordSchema = z.object({
  /** Tells the marker apart from other log lines the subscription filter sees. */
  kind: z.literal('prediction'),
  requestId: z.string().min(1),
  key: z.string().regex(/^[^#/]+#[^#/]+$/),
  version: z.number().int().min(1),
  variant: z.enum(PREDICTION_VARIANTS),
  /** The last bar the request carried (ISO). */
  asOf: z.iso.datetime(),
  /** The bar the prediction forecasts: the first bar after `asOf` (ISO time it is expected at, nominal). */
  targetTime: z.iso.datetime(),
  prediction: z.number(),
  featureSpecHash: z.string().regex(/^[0-9a-f]{16}$/),
  loggedAt: z.iso.datetime(),
});
export type PredictionRecord = z.infer<typeof predictionRecordSchema>;

/** A retried delivery (Firehose, a replayed log batch) repeats a record: one per request id and variant. */
export function dedupePredictions(records: Iterable<PredictionRecord>): PredictionRecord[] {
  const seen = new Map<string, PredictionRecord>();
  for (const r of records) {
    const id = `${r.requestId}|${r.variant}`;
    if (!seen.has(id)) seen.set(id, r);
  }
  return [...seen.values()];
}

/** Short hash of a model's feature spec: two versions with the same hash saw the same features. */
export function featureSpecHash(spec: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(spec ?? null))
    .digest('hex')
    .slice(0, 16);
}

/** Parses JSON lines (Firehose objects, local files), keeping valid prediction records and counting the rest. */
export function parsePredictionLines(text: string): { records: PredictionRecord[]; invalid: number } {
  const records: PredictionRecord[] = [];
  let invalid = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      invalid += 1;
      continue;
    }
    const parsed = predictionRecordSchema.safeParse(value);
    if (parsed.success) records.push(parsed.data);
    else invalid += 1;
  }
  return { records, invalid };
}
