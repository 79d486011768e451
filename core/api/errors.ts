import type { z } from 'zod';
import type { ErrorCode, ErrorResponse } from './schemas.js';

/** An error the API answers with its own status; anything else thrown inside a route is a 500. */
/** Machine-readable facts of an error that a client acts on (how many bars are missing, how old the window is). */
export type ApiErrorDetails = Partial<
  Pick<ErrorResponse['error'], 'missingBars' | 'asOf' | 'featureAgeSeconds' | 'staleAfterSeconds'>
>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly details?: ApiErrorDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(requestId?: string): ErrorResponse {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.field !== undefined ? { field: this.field } : {}),
        ...(requestId !== undefined ? { requestId } : {}),
        ...this.details,
      },
    };
  }
}

/** `['bars', 3, 'h']` -> `bars[3].h`, the way a client would address it. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || 'body';
}

/** The first issue decides the answer: one precise message beats a list clients do not read. */
export function apiErrorFromZod(error: z.ZodError): ApiError {
  const issue = error.issues[0];
  if (!issue) return new ApiError(400, 'invalid_request', 'invalid request', 'body');
  const field = fieldPath(issue.path);
  return new ApiError(400, 'invalid_request', `${field}: ${issue.message}`, field);
}
