import type { StackProps } from 'aws-cdk-lib';
import type { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { Rule } from 'aws-cdk-lib/aws-events';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';

export interface MonitoringStackProps extends StackProps {
  readonly envName: string;
  /** Every alarm notifies this (KMS-encrypted) topic. */
  readonly alertTopic: ITopic;
  readonly producers: IFunction[];
  /** Sink functions by topic; their OffsetLag metric is the consumer lag of the MSK event source mapping. */
  readonly sinks: Map<string, IFunction>;
  readonly deadLetterQueue: IQueue;
  readonly api: RestApi;
  readonly inferenceFunction: IFunction;
  readonly batchFunction: IFunction;
  readonly driftFunction: IFunction;
  readonly retrainStateMachine: IStateMachine;
  readonly spotInterruptionRule: Rule;
  /**
   * The Firehose stream that carries the prediction log to the lake, and the count of records it logged as failed
   * (unparsable, unpartitionable): failed S3 deliveries, throttled records and failed records alarm.
   */
  readonly predictionLog?: { readonly streamName: string; readonly failedRecords: Metric };
  /** Records behind the head of a topic before the lag alarm fires. @default 10000 */
  readonly maxOffsetLag?: number;
  /**
   * Share of a topic's records the sink quarantines or dead-letters in 5 minutes before the reject alarm fires
   * (config.quality.rejectRateAlarm). @default 0.05
   */
  readonly maxRejectRate?: number;
  /** p99 latency of POST /v1/predict in ms before the latency alarm fires. @default 1000 */
  readonly maxP99LatencyMs?: number;
}
