import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { barTimeMs, type SentimentInput } from '../../../core/api/index.js';
import { servingMetadataSchema, readUri } from '../../../core/artifacts/index.js';
import {
  buildModelInput,
  FeatureWindowError,
  minBarsForWindow,
  type SentimentPoint,
} from '../../../core/features/index.js';
import { FeatureInputError, type ModelInputAdapter } from './model-cache.js';

function toSentimentPoints(input: readonly SentimentInput[] | undefined): SentimentPoint[] | undefined {
  if (!input || input.length === 0) return undefined;
  return input.map((p) => ({ t: barTimeMs(p.t), score: p.score })).sort((a, b) => a.t - b.t);
}

/**
 * The production adapter: validates metadata.json with the trainer's schema and builds the input with
 * the shared feature module and the training normalisation stats, so serving computes exactly the
 * columns (and scaling) the model was trained on.
 */
export function metadataInputAdapter(metadata: unknown): ModelInputAdapter {
  const meta = servingMetadataSchema.parse(metadata);
  const width = meta.featureSpec.names.length;
  if (meta.input.shape[1] !== meta.windowSize || meta.input.shape[2] !== width) {
    throw new Error(
      `metadata input shape ${JSON.stringify(meta.input.shape)} does not match window ${meta.windowSize} x ${width} features`,
    );
  }
  const dims = [1, meta.windowSize, width] as const;
  // The feature spec is the authority on history: a stale or hand-written metadata.minBars can only raise it.
  const minBars = Math.max(meta.minBars, minBarsForWindow(meta.featureSpec, meta.windowSize));
  return {
    inputName: meta.input.name,
    outputName: meta.output.name,
    minBars,
    target: meta.target,
    declaredSha256: meta.onnx.sha256,
    buildInput(bars, sentiment) {
      try {
        return { data: buildModelInput(bars, meta, toSentimentPoints(sentiment)), dims };
      } catch (err) {
        if (err instanceof FeatureWindowError) throw new FeatureInputError(err.message);
        throw err;
      }
    },
  };
}

/** Registry URIs are s3://bucket/key or file:// (local sandbox); plain paths are accepted too. */
export function createArtifactReader(s3?: S3Client): (uri: string) => Promise<Uint8Array> {
  return async (uri) => {
    if (uri.startsWith('file://')) return new Uint8Array(await readFile(fileURLToPath(uri)));
    return readUri(uri, s3);
  };
}
