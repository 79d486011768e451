import { z } from 'zod';
import { INSTANCE_TYPES, SPOT_QUOTA_GROUPS, spotShardConcurrency } from './instance-types.js';
import { MODEL_KINDS, searchSchema } from './search.js';

/** Kafka topic names are part of the wire contract with producers, sinks and the CDK topic resource. */
export const TOPIC_NAMES = ['market-data', 'financial-news', 'social-sentiment', 'regulatory-filings'] as const;
export type TopicName = (typeof TOPIC_NAMES)[number];

export const TIMEFRAMES = ['1h', '4h', '1d', '1w'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

const symbol = z.string().regex(/^[A-Z][A-Z0-9.]{0,9}$/, 'symbols are upper-case tickers such as AAPL');

/** EventBridge Scheduler expression: rate(...), cron(...) or at(...). */
const scheduleExpression = z
  .string()
  .regex(
    /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\([^)]+\)|at\([^)]+\))$/,
    'expected rate(...), cron(...) or at(...)',
  );

const topicSchema = z.object({
  partitions: z.number().int().min(1).max(1000),
  replicationFactor: z.number().int().min(1).max(5),
  retentionHours: z.number().int().min(1),
});

/**
 * Plausibility at the edge and per-config gating in retraining (core/quality, lambdas/training/tasks/quality-gate.ts).
 */
const qualitySchema = z.object({
  /** Where quarantined records go, beside the dead letters (same bucket). */
  quarantinePrefix: z.string().min(1),
  /** An event time may be this far ahead of the sink's clock (producer clocks drift). */
  clockSkewSeconds: z.number().int().min(0),
  /** No event predates this (ISO time) unless its symbol has its own start in historyStartBySymbol. */
  historyStart: z.iso.datetime({ offset: true }),
  historyStartBySymbol: z.record(symbol, z.iso.datetime({ offset: true })),
  marketBar: z.object({
    minPrice: z.number().positive(),
    maxPrice: z.number().positive(),
    maxVolume: z.number().positive(),
    /** A bar's largest move (open/high/low/close against the last landed close) in multiples of recent volatility. */
    maxMoveSigmas: z.number().positive(),
    /** Moves up to this log-return always pass, so a calm series does not quarantine an ordinary day. */
    minMoveBound: z.number().positive(),
    /** Trailing bars whose log-return standard deviation is the "recent volatility". */
    volatilityWindowBars: z.number().int().min(2),
    /** Fewer earlier bars than this and the move rule does not judge (no volatility to judge by). */
    minHistoryBars: z.number().int().min(2),
  }),
  /** Symbols news, posts and filings may name beyond the universe (an index, an ETF, a peer). */
  textSymbolAllowList: z.array(symbol),
  /** The retrain fails only when more than this share of its configs fails the data-quality gate. */
  maxFailingConfigShare: z.number().min(0).max(1),
  /** Alarm when (quarantined + dead-lettered) / received exceeds this over 5 minutes, per topic. */
  rejectRateAlarm: z.number().gt(0).max(1),
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
      /** Hours after a UTC day ends before lake compaction rewrites it (core/lake/compaction.ts). */
      compactionGraceHours: z.number().min(0).max(72).default(2),
    }),
    schedules: z.object({
      retrain: scheduleExpression,
      /** Lake compaction: closed days into one object per topic/symbol/day. */
      lakeCompaction: scheduleExpression.default('cron(15 3 * * ? *)'),
      batchInference: scheduleExpression,
      driftCheck: scheduleExpression,
      /** The live loop: outcome join, live metrics, degradation and new-data triggers. */
      liveLoop: scheduleExpression,
      producers: z.object({
        marketData: scheduleExpression,
        news: scheduleExpression,
        social: scheduleExpression,
        filings: scheduleExpression,
      }),
    }),
    training: z.object({
      backend: z.enum(['ec2', 'sagemaker', 'local']),
      /**
       * Tried in order until one launches; the first goes into the launch template. Each must be driven by the trainer
       * AMI.
       */
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
      /**
       * Score each sentiment config's best trial once more without the sentiment columns, on the same folds, so
       * the run shows whether sentiment helped (one more walk-forward trial per such config).
       */
      sentimentAblation: z.boolean(),
      configsPerShard: z.number().int().min(1),
      maxAttempts: z.number().int().min(1).max(10),
      heartbeatTimeoutSeconds: z.number().int().min(30),
      maxRunHours: z.number().min(0.1),
      /**
       * A fresh instance's setup (Node, bundle, CUDA wheels, libtensorflow) may take this long before the trainer's
       * first heartbeat.
       */
      startupGraceSeconds: z.number().int().min(60),
      /** The instance halts itself at maxRunHours plus this, whatever the orchestrator does (boot-time watchdog). */
      watchdogGraceMinutes: z.number().int().min(1),
      sagemakerImageUri: z.string().optional(),
      /**
       * `models`: the kinds the search samples; `epochs`: the last halving rung's epochs. windowSize, hiddenUnits,
       * batchSize and learningRate describe the reference LSTM that the bench, the smoke check and the PyTorch peer
       * train; the search draws its trials from `search.spaces`.
       */
      hyperparameters: z.object({
        models: z.array(z.enum(MODEL_KINDS)).min(1),
        windowSize: z.number().int().min(2),
        hiddenUnits: z.number().int().min(1),
        epochs: z.number().int().min(1),
        batchSize: z.number().int().min(1),
        learningRate: z.number().positive(),
        checkpointEverySteps: z.number().int().min(1),
        purgeGapBars: z.number().int().min(0),
      }),
      search: searchSchema,
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
      /**
       * Samples skipped after each test fold before later training data resumes (purgeGapBars guards the other side).
       */
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
    /**
     * How a promotable candidate meets live traffic and what its bake must show on realised outcomes
     * (core/live/verdict.ts): `canary` splits requests by thresholds.canaryWeight (unpaired, Welch's t);
     * `shadow` scores every request beside production and answers with production only (paired, Diebold-Mariano).
     */
    deployment: z.object({
      mode: z.enum(['canary', 'shadow']),
      /** Fewest joined outcomes (pairs in shadow mode) on each side before a promote or rollback on outcomes. */
      minSamples: z.number().int().min(2),
      /** One-sided level of "the candidate's realised loss is higher". */
      alpha: z.number().gt(0).lt(1),
      /** Relative realised-loss improvement over production (or the naive forecast) needed to promote. */
      margin: z.number().min(0).max(1),
      /** Insufficient evidence re-waits thresholds.bakeSeconds up to this many times, then rejects. */
      maxBakeExtensions: z.number().int().min(0).max(20),
    }),
    /** The live loop after promotion: rolling metrics and the retrain triggers it fires. */
    live: z.object({
      /** Latest outcomes per version in the rolling live metrics and the degradation test. */
      rollingWindow: z.number().int().min(2),
      /** `degradation`: one-sided level of "live loss is higher than the registered out-of-sample loss". */
      degradationAlpha: z.number().gt(0).lt(1),
      /** `new-data`: bars landed after a model's dataset manifest that start a retrain for its config. */
      newDataBars: z.number().int().min(1),
    }),
    /** Who lets a gated candidate go live. */
    promotion: z.object({
      approval: z.enum(['auto', 'manual']),
      /** A pending approval not decided within this time is rejected. */
      approvalTimeoutSeconds: z.number().int().min(60),
      approvalPollSeconds: z.number().int().min(5),
    }),
    /** Plausibility rules the sink applies to well-formed records (core/quality); a failing record is quarantined. */
    quality: qualitySchema,
    /**
     * External data vendors the producers poll (ingest engineer). Keys live in Secrets Manager, named here, never in
     * code.
     */
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
    /**
     * The online bar store (core/online) the sink keeps and `POST /v1/predict {symbol, timeframe}` reads.
     * It holds the trailing `inference.minBars` bars of every series.
     */
    online: z.object({
      /** A window whose last bar opened longer ago than this answers 409 window_stale. Weekends and holidays count. */
      staleAfterSeconds: z.object(
        Object.fromEntries(TIMEFRAMES.map((tf) => [tf, z.number().int().positive()])) as Record<Timeframe, z.ZodNumber>,
      ),
      /** How long a warm handler reuses a window it read before reading the store again. */
      cacheTtlMs: z.number().int().min(0),
      /**
       * How long after a series' last request a warm handler keeps rereading it ahead of the TTL, so that a
       * hot series never waits on the store; 0 reads only when asked.
       */
      keepWarmMs: z.number().int().min(0),
      /**
       * Items expire (DynamoDB TTL) this many bar lengths after their bar time, plus the staleness limit: long
       * enough that no bar of a fresh window can expire even across market closures (171 hourly bars span
       * about 37 calendar days, 171 x 1h x 8 is 57).
       */
      ttlWindowMultiple: z.number().min(2),
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
    if (cfg.quality.marketBar.minPrice >= cfg.quality.marketBar.maxPrice) {
      ctx.addIssue({
        code: 'custom',
        path: ['quality', 'marketBar', 'minPrice'],
        message: 'must be below quality.marketBar.maxPrice',
      });
    }
    if (new Set(cfg.universe.symbols).size !== cfg.universe.symbols.length) {
      ctx.addIssue({ code: 'custom', path: ['universe', 'symbols'], message: 'symbols must be unique' });
    }
    for (const kind of cfg.training.hyperparameters.models) {
      if (!cfg.training.search.spaces[kind])
        ctx.addIssue({
          code: 'custom',
          path: ['training', 'search', 'spaces', kind],
          message: `${kind} is in training.hyperparameters.models but has no search space`,
        });
    }
    const unknownTypes = cfg.training.instanceTypes
      .map((type, i) => ({ type, i }))
      .filter(({ type }) => !INSTANCE_TYPES[type]);
    for (const { type, i } of unknownTypes) {
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'instanceTypes', i],
        message: `${type} has no vCPU entry in core/config/instance-types.ts`,
      });
    }
    if (unknownTypes.length === 0 && cfg.training.backend === 'ec2') {
      const { shards, limitedBy } = spotShardConcurrency(cfg.training);
      if (shards < 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['training', 'spotVcpuQuota', limitedBy.group],
          message: `${limitedBy.quota} vCPUs cannot run one ${limitedBy.instanceType} (${limitedBy.vcpus} vCPUs); request more or drop the type from training.instanceTypes`,
        });
      }
    }
  });

export type SignalForgeConfig = z.infer<typeof configSchema>;
