import type { ErrorResponse, HealthResponse, PredictResponse } from '../../core/api/index.js';

/**
 * An inference API answer as a test reads it: every field any answer (prediction, batch, health, error) has, typed
 * as the API's zod schemas say. Which answer came back is what the test's assertions check.
 */
export type ApiAnswer = PredictResponse &
  ErrorResponse &
  HealthResponse & { results: (PredictResponse & ErrorResponse)[] };

/** The answer's status and JSON body. */
export async function readAnswer(res: Response): Promise<{ status: number; json: ApiAnswer }> {
  return { status: res.status, json: (await res.json()) as ApiAnswer };
}
