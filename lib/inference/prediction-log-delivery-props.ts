import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';

export interface PredictionLogDeliveryProps {
  /** Names the delivery stream (`signalforge-<envName>-prediction-log`), which the monitoring stack alarms on. */
  readonly envName: string;
  /** The lake bucket's deterministic name (lib/data/data-names.ts). */
  readonly lakeBucketName: string;
  /** The data key: the lake's objects and the stream's records at rest are encrypted with it. */
  readonly dataKey: IKey;
  /** Key of the stream's own delivery-error log group. */
  readonly logKey: IKey;
  /** The inference function's log group, where serving writes one `kind: "prediction"` JSON line per answer. */
  readonly source: ILogGroup;
}
