import { z } from 'zod';
import { INSTANCE_TYPES, SPOT_QUOTA_GROUPS, spotShardConcurrency } from './instance-types.js';

/** Kafka topic names are part of the wire contract with producers, sinks and the CDK topic resource. */
export const TOPIC_NAMES = ['market-data', 'financial-news', 'social-sentiment', 'regulatory-filings'] as const;
export type TopicName = (typeof TOPIC_NAMES)[number];

export const TIMEFRAMES = ['1h', '4h', '1d', '1w'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

const symbol = z.string().regex(/^[A-Z][A-Z0-9.]{0,9}$/, 'symbols are upper-case tickers such as AAPL');

/** EventBridge Scheduler expression: rate(...), cron(...) or at(...). */
const scheduleExpression = z
  .string()
  .regex(/^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\([^)]+\)|at\([^)]+\))$/, 'expected rate(...), cron(...) or at(...)');

const topicSchema = z.object({
  partitions: z.number().int().min(1).max(1000),
  replicationFactor: z.number().int().min(1).max(5),
  retentionHours: z.number().int().min(1),
});

export const configSchema = z
  .object({
    /** Deployment environment name; also the prefix of every resource name. */
    envName: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/),
    region: z.string().min(1),
    universe: z.object({
      symbols: z.array(symbol).min(1).max(500),
      timeframes: z.array(z.enum(TIMEFRAMES)).min(1),
    }),
    kafka: z.object({
      clientId: z.string().min(1),
      /** `iam` on MSK (SASL/OAUTHBEARER via aws-msk-iam-sasl-signer-js), `plaintext` for the local broker. */
      auth: z.enum(['iam', 'plaintext']),
      cluster: z.enum(['serverless', 'provisioned']),
      provisioned: z.object({
        kafkaVersion: z.string(),
        brokerInstanceType: z.string(),
        brokersPerAz: z.number().int().min(1),
        volumeSizeGiB: z.number().int().min(1),
      }),
      topics: z.object({
        'market-data': topicSchema,
        'financial-news': topicSchema,
        'social-sentiment': topicSchema,
        'regulatory-filings': topicSchema,
      }),
    }),
    ingest: z.object({
      batchSize: z.number().int().min(1).max(10_000),
      batchWindowSeconds: z.number().int().min(0).max(300),
      maxRecordBytes: z.number().int().min(1024),
      lakePrefix: z.string().min(1),
      deadLetterPrefix: z.string().min(1),
      /** Where a new sink event source mapping starts reading (infra engineer). */
      startingPosition: z.enum(['TRIM_HORIZON', 'LATEST']).default('TRIM_HORIZON'),
    }),
    schedules: z.object({
      retrain: scheduleExpression,
      batchInference: scheduleExpression,
      driftCheck: scheduleExpression,
      producers: z.object({
        marketData: scheduleExpression,
        news: scheduleExpression,
        social: scheduleExpression,
        filings: scheduleExpression,
      }),
    }),
    training: z.object({
      backend: z.enum(['ec2', 'sagemaker', 'local']),
      /** Tried in order until one launches; the first goes into the launch template. Each must be driven by the trainer AMI. */
      instanceTypes: z.array(z.string().regex(/^[a-z0-9]+\.[a-z0-9]+$/)).min(1),
      /**
       * The account's EC2 spot vCPU quotas in the deploy region, by quota name (Service Quotas). The
       * retrain Map runs only as many shards at once as these hold on the largest fallback type.
       */
      spotVcpuQuota: z.partialRecord(z.enum(SPOT_QUOTA_GROUPS), z.number().int().min(0)),
      gpusPerInstance: z.number().int().min(1),
      /**
       * Replicas per config. `auto`: configs with a large trial (a kind flagged in gpu-trainer/dp-plan.ts, or
       * dataParallelMinFlopsPerSample or more) train data-parallel on all of the instance's GPUs, the rest one
       * config per GPU. A number: every config on that many GPUs (at most gpusPerInstance).
       */
      dataParallel: z.union([z.literal('auto'), z.literal(1), z.literal(2), z.literal(4)]),
      /**
       * Under `auto`, the training FLOPs per sample (forward + backward) from which a trial counts as large.
       * FLOPs, not parameters: the all-reduce moves the parameters, the step computes the FLOPs, and a dense
       * model has far fewer FLOPs per parameter than a recurrent one (measured: bench/dp-threshold.ts).
       */
      dataParallelMinFlopsPerSample: z.number().int().min(1),
      /**
       * Trailing bars of news and social sentiment (mean score and log(1+count)) added to the features of every
       * config whose symbol has text events in the dataset; 0 turns sentiment off.
       */
      sentimentWindowBars: z.number().int().min(0),
      configsPerShard: z.number().int().min(1),
      maxAttempts: z.number().int().min(1).max(10),
      heartbeatTimeoutSeconds: z.number().int().min(30),
      maxRunHours: z.number().min(0.1),
      /** A fresh instance's setup (Node, bundle, CUDA wheels, libtensorflow) may take this long before the trainer's first heartbeat. */
      startupGraceSeconds: z.number().int().min(60),
      /** The instance halts itself at maxRunHours plus this, whatever the orchestrator does (boot-time watchdog). */
      watchdogGraceMinutes: z.number().int().min(1),
      sagemakerImageUri: z.string().optional(),
      hyperparameters: z.object({
        models: z.array(z.enum(['lstm', 'gru', 'dense'])).min(1),
        windowSize: z.number().int().min(2),
        hiddenUnits: z.number().int().min(1),
        epochs: z.number().int().min(1),
        batchSize: z.number().int().min(1),
        learningRate: z.number().positive(),
        checkpointEverySteps: z.number().int().min(1),
        purgeGapBars: z.number().int().min(0),
      }),
    }),
    thresholds: z.object({
      canaryWeight: z.number().gt(0).lt(1),
      canaryMaxErrorRate: z.number().min(0).max(1),
      bakeSeconds: z.number().int().min(0),
      driftPsi: z.number().positive(),
      minRowsPerConfig: z.number().int().min(1),
      maxNanFraction: z.number().min(0).max(1),
      maxGapFraction: z.number().min(0).max(1),
    }),
    /** How candidates are evaluated out of sample and what the promotion gate demands. */
    evaluation: z.object({
      /** Expanding-window walk-forward folds. */
      folds: z.number().int().min(2).max(20),
      /** Samples skipped after each test fold before later training data resumes (purgeGapBars guards the other side). */
      embargoBars: z.number().int().min(0),
      /** Tail share of each fold's training part held out (after a purge gap) for early stopping; never a test fold. */
      innerValidationFraction: z.number().gt(0).lt(0.5),
      /** Trading cost in basis points per unit of turnover, in every backtest and in live PnL. */
      costBps: z.number().min(0),
      /** One-sided level of the Diebold-Mariano test against the naive forecast, family-wise over a run's configs. */
      alpha: z.number().gt(0).lt(1),
      /** The drift baseline forecasts the mean of this many trailing bar returns. */
      driftWindowBars: z.number().int().min(1).max(130),
      /**
       * Raw bars saved in metadata.json before the latest test fold, so the gate can re-score a champion whose
       * feature history and window differ from the candidate's (it needs historyBars + window - 1 of them).
       */
      rescoreHistoryBars: z.number().int().min(2),
      /** Minimum deflated-Sharpe probability over the config's search trials. */
      minDeflatedSharpeProbability: z.number().min(0).max(1),
      /** Relative loss improvement a challenger needs over the champion re-scored on the same window. */
      championMargin: z.number().min(0).max(1),
    }),
    /** Who lets a gated candidate go live. */
    promotion: z.object({
      approval: z.enum(['auto', 'manual']),
      /** A pending approval not decided within this time is rejected. */
      approvalTimeoutSeconds: z.number().int().min(60),
      approvalPollSeconds: z.number().int().min(5),
    }),
    /** External data vendors the producers poll (ingest engineer). Keys live in Secrets Manager, named here, never in code. */
    sources: z
      .object({
        marketData: z.object({
          /** Polygon-style aggregates API: `<baseUrl>/v2/aggs/ticker/<SYM>/range/<n>/<span>/<from>/<to>`. */
          baseUrl: z.string().url(),
          apiKeySecretId: z.string().min(1),
          lookbackMinutes: z.number().int().min(1),
        }),
        news: z.object({
          /** NewsAPI `<baseUrl>/v2/everything`. */
          baseUrl: z.string().url(),
          apiKeySecretId: z.string().min(1),
          lookbackMinutes: z.number().int().min(1),
        }),
        filings: z.object({
          /** SEC EDGAR submissions API (`<submissionsBaseUrl>/submissions/CIK##########.json`). */
          submissionsBaseUrl: z.string().url(),
          /** `company_tickers.json`, the ticker -> CIK map. */
          tickersUrl: z.string().url(),
          /** SEC asks every client to identify itself with a contact address. */
          userAgent: z.string().min(1),
          lookbackMinutes: z.number().int().min(1),
        }),
        social: z.object({
          /** Reddit OAuth (application-only) and API hosts. */
          authUrl: z.string().url(),
          apiBaseUrl: z.string().url(),
          subreddits: z.array(z.string().regex(/^[A-Za-z0-9_]{2,21}$/)).min(1),
          /** Secret JSON `{"clientId": "...", "clientSecret": "..."}`. */
          credentialsSecretId: z.string().min(1),
          lookbackMinutes: z.number().int().min(1),
        }),
      })
      .optional(),
    inference: z.object({
      minBars: z.number().int().min(2),
      maxBars: z.number().int().min(2),
      maxBodyBytes: z.number().int().min(1024),
      aliasTtlSeconds: z.number().int().min(0),
      throttleRatePerSecond: z.number().int().min(1),
      throttleBurst: z.number().int().min(1),
      provisionedConcurrency: z.number().int().min(0),
    }),
    /** USD per hour, used for the run report's cost estimate of the AWS equivalent. */
    pricing: z.object({
      spotPerHour: z.record(z.string(), z.number().nonnegative()),
      onDemandPerHour: z.record(z.string(), z.number().nonnegative()),
    }),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.inference.minBars > cfg.inference.maxBars) {
      ctx.addIssue({ code: 'custom', path: ['inference', 'minBars'], message: 'must not exceed inference.maxBars' });
    }
    if (new Set(cfg.universe.symbols).size !== cfg.universe.symbols.length) {
      ctx.addIssue({ code: 'custom', path: ['universe', 'symbols'], message: 'symbols must be unique' });
    }
    const unknownTypes = cfg.training.instanceTypes.map((type, i) => ({ type, i })).filter(({ type }) => !INSTANCE_TYPES[type]);
    for (const { type, i } of unknownTypes) {
      ctx.addIssue({ code: 'custom', path: ['training', 'instanceTypes', i], message: `${type} has no vCPU entry in core/config/instance-types.ts` });
    }
    if (unknownTypes.length === 0 && cfg.training.backend === 'ec2') {
      const { shards, limitedBy } = spotShardConcurrency(cfg.training);
      if (shards < 1) {
        ctx.addIssue({ code: 'custom', path: ['training', 'spotVcpuQuota', limitedBy.group], message: `${limitedBy.quota} vCPUs cannot run one ${limitedBy.instanceType} (${limitedBy.vcpus} vCPUs); request more or drop the type from training.instanceTypes` });
      }
    }
  });

export type SignalForgeConfig = z.infer<typeof configSchema>;
