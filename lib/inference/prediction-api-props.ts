import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { SignalForgeConfig } from '../../core/config/index.js';

export interface PredictionApiProps {
  /** `config.inference`: throttling, body size and bar-count limits for request validation. */
  readonly inference: SignalForgeConfig['inference'];
  readonly timeframes: readonly string[];
  readonly envName: string;
  /** Handles every route (POST /v1/predict, GET /openapi.json, GET /health). */
  readonly handler: IFunction;
  /** Key of the access-log group. */
  readonly logKey: IKey;
}
