import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { SignalForgeConfig } from '../../core/config/index.js';

export interface PredictionApiProps {
  /**
   * The deployed config: `inference` sets throttling, `envName` the API name, and the predict request
   * model is generated from core/api's zod schema for it (universe, timeframes, bar limits).
   */
  readonly config: SignalForgeConfig;
  /** Handles every route (POST /v1/predict, GET /openapi.json, GET /health). */
  readonly handler: IFunction;
  /** Key of the access-log group. */
  readonly logKey: IKey;
}
