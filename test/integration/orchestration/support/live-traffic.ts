import type { S3Client } from '@aws-sdk/client-s3';
import type { SignalForgeConfig } from '../../../../core/config/index.js';
import { featureSpecHash, type PredictionVariant } from '../../../../core/live/index.js';
import { gaussian, seededRandom } from '../../../../core/random/index.js';
import { readClosedBars } from '../../../../lambdas/serving/outcomes/lake-io.js';
import { PredictionLakeSink } from '../../../../local/live/prediction-lake-sink.js';

/** How a simulated client population sees a version: forecast noise around the realised return (0 = perfect). */
export type TrafficQuality = { noise: number } | 'none';

/**
 * What serving would log while a canary bakes: one prediction per lake bar (but the last, which has no
 * next bar) per variant, through the same lake sink the sandbox uses, with `loggedAt` from the world's clock.
 * Predictions are the realised next-bar return plus Gaussian noise, so their quality is known.
 */
export async function logLiveTraffic(input: {
  s3: S3Client;
  lakeBucket: string;
  config: SignalForgeConfig;
  key: string;
  now: () => Date;
  streams: { version: number; variant: PredictionVariant; noise: number; seed: number }[];
  /** Shared request ids make a shadow pair with its production twin. */
  requestPrefix?: string;
}): Promise<number> {
  const bars = await readClosedBars(input.s3, input.lakeBucket, input.config, input.key);
  const sink = new PredictionLakeSink({ s3: input.s3, bucket: input.lakeBucket });
  for (const stream of input.streams) {
    const rand = seededRandom(stream.seed);
    for (let i = 0; i + 1 < bars.length; i++) {
      const realised = bars[i + 1]!.c / bars[i]!.c - 1;
      sink.record({
        kind: 'prediction',
        requestId: `${input.requestPrefix ?? `${stream.variant}-${stream.version}`}-${i}`,
        key: input.key,
        version: stream.version,
        variant: stream.variant,
        asOf: new Date(bars[i]!.t).toISOString(),
        targetTime: new Date(bars[i + 1]!.t).toISOString(),
        prediction: realised + stream.noise * gaussian(rand),
        featureSpecHash: featureSpecHash({ stream: stream.version }),
        loggedAt: input.now().toISOString(),
      });
    }
  }
  await sink.flush();
  if (sink.lost > 0) throw new Error(`${sink.lost} prediction records lost`);
  return sink.written;
}
