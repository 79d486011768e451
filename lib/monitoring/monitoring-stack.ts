import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Construct } from 'constructs';
import type { MonitoringStackProps } from './monitoring-stack-props.js';

export type { MonitoringStackProps } from './monitoring-stack-props.js';

/** Namespace the SignalForge handlers publish custom metrics to (Powertools Metrics). */
export const METRIC_NAMESPACE = 'SignalForge';

/** The dashboard and the alarms, all notifying the alert topic. */
export class MonitoringStack extends Stack {
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const five = Duration.minutes(5);
    const alarm = (alarmId: string, metric: IMetric, threshold: number, description: string, evaluationPeriods = 1) => {
      const a = new Alarm(this, alarmId, {
        alarmName: `signalforge-${props.envName}-${alarmId.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase()}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(new SnsAction(props.alertTopic));
      this.alarms.push(a);
      return a;
    };

    // Ingest
    const ingestFns = [...props.producers, ...props.sinks.values()];
    const ingestErrors = new MathExpression({
      expression: ingestFns.map((_, i) => `e${i}`).join('+'),
      usingMetrics: Object.fromEntries(
        ingestFns.map((fn, i) => [`e${i}`, fn.metricErrors({ period: five, statistic: 'Sum' })]),
      ),
      label: 'ingest Lambda errors',
      period: five,
    });
    alarm('IngestErrors', ingestErrors, 0, 'A producer or sink Lambda failed in the last 5 minutes.');
    const lagMetrics = [...props.sinks.entries()].map(([topic, fn]) =>
      fn.metric('OffsetLag', { statistic: 'Maximum', period: five, label: `${topic} lag` }),
    );
    const maxLag = props.maxOffsetLag ?? 10_000;
    [...props.sinks.keys()].forEach((topic, i) => {
      alarm(
        `IngestLag${topic.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}`,
        lagMetrics[i]!,
        maxLag,
        `Sink for ${topic} is more than ${maxLag} records behind for 15 minutes (MSK event source mapping OffsetLag).`,
        3,
      );
    });
    const dlqDepth = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: five,
      statistic: 'Maximum',
    });
    alarm('DeadLetters', dlqDepth, 0, 'Sink records were sent to the dead-letter queue after retries.');

    // Data quality: the sink's Powertools metrics (service ingest-sink, one topic dimension per sink). A rate,
    // not a count, so a burst of traffic does not page and a small feed going bad does.
    const maxRejectRate = props.maxRejectRate ?? 0.05;
    const rejectRates = [...props.sinks.keys()].map((topic, i) => {
      const sinkMetric = (metricName: string) =>
        new Metric({
          namespace: METRIC_NAMESPACE,
          metricName,
          dimensionsMap: { service: 'ingest-sink', topic },
          period: five,
          statistic: 'Sum',
        });
      // Ids unique across topics: the dashboard graphs every topic's expression together.
      const rate = new MathExpression({
        expression: `IF(received${i} > 0, (quarantined${i} + dead${i}) / received${i}, 0)`,
        usingMetrics: {
          [`received${i}`]: sinkMetric('RecordsReceived'),
          [`quarantined${i}`]: sinkMetric('Quarantined'),
          [`dead${i}`]: sinkMetric('DeadLettered'),
        },
        label: `${topic} rejected share`,
        period: five,
      });
      alarm(
        `IngestRejectRate${topic.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}`,
        rate,
        maxRejectRate,
        `More than ${maxRejectRate * 100}% of ${topic} records were quarantined (implausible) or dead-lettered (malformed) in 5 minutes; see QuarantinedByReason / DeadLetteredByReason and \`npm run lake -- quarantine list\`.`,
      );
      return rate;
    });

    // Inference
    const api5xx = props.api.metricServerError({ period: five, statistic: 'Sum' });
    const inferenceErrors = props.inferenceFunction.metricErrors({ period: five, statistic: 'Sum' });
    alarm(
      'InferenceErrors',
      new MathExpression({
        expression: 'api + fn',
        usingMetrics: { api: api5xx, fn: inferenceErrors },
        label: 'API 5XX + Lambda errors',
        period: five,
      }),
      0,
      'Prediction requests failed with server errors.',
    );
    const p99 = props.api.metricLatency({ period: five, statistic: 'p99' });
    const maxP99 = props.maxP99LatencyMs ?? 1000;
    alarm('InferenceLatencyP99', p99, maxP99, `p99 API latency above ${maxP99} ms for 15 minutes.`, 3);
    const batchErrors = props.batchFunction.metricErrors({ period: Duration.hours(1), statistic: 'Sum' });
    alarm('BatchInferenceErrors', batchErrors, 0, 'The daily batch inference failed.');

    // Training
    const sm = props.retrainStateMachine;
    const retrainFailures = new MathExpression({
      expression: 'failed + timedout + aborted',
      usingMetrics: {
        failed: sm.metricFailed({ period: five, statistic: 'Sum' }),
        timedout: sm.metricTimedOut({ period: five, statistic: 'Sum' }),
        aborted: sm.metricAborted({ period: five, statistic: 'Sum' }),
      },
      label: 'retrain executions failed/timed out/aborted',
      period: five,
    });
    alarm('RetrainFailures', retrainFailures, 0, 'A retrain execution failed, timed out or was aborted.');
    const interruptions = new Metric({
      namespace: 'AWS/Events',
      metricName: 'TriggeredRules',
      dimensionsMap: { RuleName: props.spotInterruptionRule.ruleName },
      period: Duration.hours(1),
      statistic: 'Sum',
      label: 'spot interruption warnings',
    });

    // Drift: the drift check publishes ConfigsDrifted (count of configs over config.thresholds.driftPsi).
    const drifted = new Metric({
      namespace: METRIC_NAMESPACE,
      metricName: 'ConfigsDrifted',
      dimensionsMap: { service: 'DriftCheck' },
      period: Duration.hours(4),
      statistic: 'Maximum',
      label: 'configs drifted',
    });
    alarm(
      'Drift',
      drifted,
      0,
      'Feature or prediction PSI crossed config.thresholds.driftPsi for at least one model; the drift check has started a retrain.',
    );
    const driftErrors = props.driftFunction.metricErrors({ period: Duration.hours(4), statistic: 'Sum' });
    alarm('DriftCheckErrors', driftErrors, 0, 'The drift check failed, so drift is not being watched.');

    // Live loop: a prediction log record that could not be written is alarmed; realised quality per production model.
    const logLost = new Metric({
      namespace: METRIC_NAMESPACE,
      metricName: 'PredictionLogLost',
      dimensionsMap: { service: 'Inference' },
      period: five,
      statistic: 'Sum',
      label: 'prediction log records lost',
    });
    alarm(
      'PredictionLogLost',
      logLost,
      0,
      'Serving could not write prediction log records: the outcome join and the canary verdicts miss them.',
    );
    if (props.predictionLog) {
      const { streamName, failedRecords } = props.predictionLog;
      // Past the handler the log can still be lost: a failed S3 delivery (Firehose retries, then gives up after
      // its retention), records throttled at the stream (CloudWatch Logs retries a while, then drops them), or
      // records Firehose could not parse or partition (set aside under prediction-log-errors/, unread by the join).
      const firehose = (metricName: string, statistic: string) =>
        new Metric({
          namespace: 'AWS/Firehose',
          metricName,
          dimensionsMap: { DeliveryStreamName: streamName },
          period: five,
          statistic,
        });
      alarm(
        'PredictionLogDelivery',
        new MathExpression({
          expression: '(1 - FILL(success, 1)) + FILL(throttled, 0) + FILL(failed, 0)',
          usingMetrics: {
            success: firehose('DeliveryToS3.Success', 'Minimum'),
            throttled: firehose('ThrottledRecords', 'Sum'),
            failed: failedRecords.with({ period: five, statistic: 'Sum' }),
          },
          label: 'prediction log failed S3 deliveries + throttled + failed records',
          period: five,
        }),
        0,
        `Firehose ${streamName} failed to deliver to the lake, throttled or failed records: prediction log ` +
          'records may be lost (see its delivery-error log group and prediction-log-errors/).',
      );
    }

    const live = (metricName: string, label: string) =>
      new MathExpression({
        expression: `SEARCH('{${METRIC_NAMESPACE},ModelKey,ModelVersion,Variant,service} MetricName="${metricName}" Variant="production"', 'Average', 3600)`,
        label,
        period: Duration.hours(1),
      });

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `signalforge-${props.envName}` });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# SignalForge ${props.envName}\nIngest, inference, training and drift. Alarms notify the alert topic.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Ingest errors', left: [ingestErrors], width: 8 }),
      new GraphWidget({ title: 'Consumer lag (OffsetLag)', left: lagMetrics, width: 8 }),
      new GraphWidget({ title: 'Dead letters', left: [dlqDepth], width: 8 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Rejected share (quarantined + dead-lettered) / received',
        left: rejectRates,
        width: 24,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Requests and 5XX', left: [props.api.metricCount({ period: five }), api5xx], width: 8 }),
      new GraphWidget({
        title: 'Latency p50 / p99',
        left: [props.api.metricLatency({ period: five, statistic: 'p50' }), p99],
        width: 8,
      }),
      new GraphWidget({
        title: 'Inference Lambda errors / throttles',
        left: [inferenceErrors, props.inferenceFunction.metricThrottles({ period: five })],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Retrain executions',
        left: [
          sm.metricStarted({ period: Duration.hours(1) }),
          sm.metricSucceeded({ period: Duration.hours(1) }),
          retrainFailures,
        ],
        width: 8,
      }),
      new SingleValueWidget({ title: 'Spot interruption warnings (1 h)', metrics: [interruptions], width: 8 }),
      new GraphWidget({ title: 'Drift', left: [drifted], width: 8 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Realised directional accuracy (production, rolling window)',
        left: [live('LiveDirectionalAccuracy', 'accuracy')],
        width: 12,
      }),
      new GraphWidget({
        title: 'Realised net PnL of the sign strategy (production, rolling window)',
        left: [live('LiveNetPnl', 'net PnL')],
        width: 12,
      }),
    );
  }
}
