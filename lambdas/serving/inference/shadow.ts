import type { Bar, SentimentInput } from '../../../core/api/index.js';
import type { LoadedModel } from './model-cache.js';

/**
 * Shadow scoring: the candidate runs on the same request after production has answered, and its result
 * goes only to the prediction log (variant `shadow`), never to the client. Any failure of the candidate
 * is the candidate's: counted by the caller and swallowed here, so production's answer stands.
 */
export async function scoreShadow(
  load: () => Promise<LoadedModel>,
  bars: readonly Bar[],
  sentiment: readonly SentimentInput[] | undefined,
): Promise<{ ok: true; prediction: number; model: LoadedModel } | { ok: false; error: unknown }> {
  try {
    const model = await load();
    if (bars.length < model.adapter.minBars)
      return {
        ok: false,
        error: new Error(`too few bars for the shadow model (${bars.length} < ${model.adapter.minBars})`),
      };
    const prediction = await model.run(bars, sentiment);
    if (!Number.isFinite(prediction)) return { ok: false, error: new Error('non-finite shadow prediction') };
    return { ok: true, prediction, model };
  } catch (error) {
    return { ok: false, error };
  }
}
