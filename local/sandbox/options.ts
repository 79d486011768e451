import { HELP_FLAG, intArg, parseCliArgs, UsageError } from '../../core/cli/index.js';
import { commaList } from '../../core/config/index.js';
import {
  SCENARIOS,
  SCENARIO_ANNUAL_VOL,
  SENTIMENT_DRIFT_COEFFICIENT,
  SIGNAL_AR1_COEFFICIENT,
  type ScenarioName,
} from './scenarios.js';

/** What one sandbox run does; the CLI flags map onto it one to one, and the e2e test builds it directly. */
export interface SandboxOptions {
  /** Run the pipeline, print the final JSON line and exit instead of serving. */
  once: boolean;
  /** Train the whole configured universe (100 configs by default) instead of the small sandbox one. */
  full: boolean;
  /** Wipe the sandbox state (registry and artifact snapshot, run history) before starting. */
  fresh: boolean;
  /** Port of the local API on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Valid events the replay sends (poison records come on top). */
  events: number;
  /** Deliberately invalid records mixed into the replay; each must end up as exactly one dead letter. */
  poison: number;
  /** Trainer epochs per trial. */
  epochs: number;
  /** Canary bake time. */
  bakeSeconds: number;
  /** What the market bars are: today's data, pure noise, or a planted learnable signal (see scenarios.ts). */
  scenario: ScenarioName;
  /** Seed of every generated series (bars, news, posts, filings); same seed, same data. */
  seed: number;
  /**
   * `manual`: gated candidates wait for `npm run registry -- approve|reject` (sandbox timing, see sandboxOverrides).
   */
  approval: 'auto' | 'manual';
  /** Symbols and timeframes of the small universe (ignored with `full`). */
  symbols: string[];
  timeframes: string[];
  /**
   * Keeps several sandboxes apart on one broker and one emulator (topic namespace, env name of the
   * bucket and table names); the e2e test sets one, `npm start` leaves it empty.
   */
  namespace?: string;
  /** Where run history, trainer logs and the state snapshot live; defaults to `.cache/sandbox`. */
  stateDir?: string;
}

export const DEFAULT_OPTIONS: SandboxOptions = {
  once: false,
  full: false,
  fresh: false,
  port: 8787,
  events: 6_000,
  poison: 8,
  epochs: 30,
  bakeSeconds: 2,
  scenario: 'default',
  seed: 42,
  approval: 'auto',
  symbols: ['SPX', 'AAPL'],
  timeframes: ['1d', '1w'],
};

export const HELP = `signalforge sandbox: the whole pipeline on this machine, ending with the inference API on 127.0.0.1

Usage: npm start [-- flags]

  --once              Run the pipeline once, print one JSON summary line and exit (0 = success).
  --full              Train every configured model (25 symbols x 4 timeframes = 100 configs) instead of
                      the small sandbox universe. Takes far longer on a laptop.
  --fresh             Forget the saved sandbox state (registry, artifacts, run history) and start clean.
  --port <n>          Port of the local API on 127.0.0.1; 0 picks a free one.          (default: ${DEFAULT_OPTIONS.port})
  --events <n>        Valid events to replay into Kafka.                                (default: ${DEFAULT_OPTIONS.events})
  --poison <n>        Deliberately malformed records mixed into the replay, each must land
                      in the dead-letter prefix; as many implausible ones, quarantined. (default: ${DEFAULT_OPTIONS.poison})
  --epochs <n>        Trainer epochs per trial; early stopping usually ends sooner.      (default: ${DEFAULT_OPTIONS.epochs})
  --bake-seconds <n>  Canary bake time before promotion.                                 (default: ${DEFAULT_OPTIONS.bakeSeconds})
  --scenario <name>   The market data replayed:                                         (default: ${DEFAULT_OPTIONS.scenario})
                        default  today's data: real S&P 500 bars for SPX, calibrated GBM for the rest
                        noise    every series (SPX too) a Gaussian random walk in log price
                                 (${SCENARIO_ANNUAL_VOL * 100}% annual vol): nothing is predictable, so nothing may be promoted
                        signal   every series AR(1) log returns, r[t] = ${SIGNAL_AR1_COEFFICIENT} r[t-1] + noise
                                 (${SCENARIO_ANNUAL_VOL * 100}% annual vol): learnable, so the gate should promote
                        signal-sentiment
                                 noise plus a drift after news: r[t+1] = ${SENTIMENT_DRIFT_COEFFICIENT} x sigma x the
                                 symbol's mean news/post sentiment over the trailing sentiment window; learnable only
                                 with sentiment features (the summary's sentiment ablation shows it)
  --seed <n>          Seed of the generated data; the same seed replays the same data.  (default: ${DEFAULT_OPTIONS.seed})
  --approval <mode>   auto, or manual: each candidate the gate passes waits as pending-approval until
                      \`npm run registry -- approve|reject <KEY> <VERSION> --reason "..."\` (the sandbox
                      prints the environment to run it with); polled every 5 s, rejected after 15 min.
                                                                                         (default: ${DEFAULT_OPTIONS.approval})
  --symbols <list>    Symbols of the small universe, comma list.                         (default: ${DEFAULT_OPTIONS.symbols.join(',')})
  --timeframes <list> Timeframes of the small universe: 1h,4h,1d,1w.                     (default: ${DEFAULT_OPTIONS.timeframes.join(',')})
  --help              Show this help.

Environment
  KAFKA_BROKERS       Use this Kafka cluster instead of starting a local broker.
  AWS_ENDPOINT_URL    Use this AWS endpoint (LocalStack, or unset it for real AWS) instead of starting moto.

Ctrl-C stops the API, the trainer processes, Kafka and moto. A second run restores the saved registry
and artifacts, so its retrain competes with the models the first run promoted.`;

export { UsageError };

const intOr = (name: string, raw: string | undefined, fallback: number, min = 0) =>
  intArg(`--${name}`, raw, min) ?? fallback;

/** Parses argv (without node and the script); returns undefined for --help. */
export function parseSandboxArgs(argv: readonly string[]): SandboxOptions | undefined {
  const parsed = parseCliArgs({
    args: [...argv],
    options: {
      once: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
      port: { type: 'string' },
      events: { type: 'string' },
      poison: { type: 'string' },
      epochs: { type: 'string' },
      'bake-seconds': { type: 'string' },
      symbols: { type: 'string' },
      timeframes: { type: 'string' },
      scenario: { type: 'string' },
      seed: { type: 'string' },
      approval: { type: 'string' },
      help: { ...HELP_FLAG.help, short: 'h' },
    },
  });
  const v = parsed.values;
  if (v.help) return undefined;
  const scenario = v.scenario ?? DEFAULT_OPTIONS.scenario;
  if (!(SCENARIOS as readonly string[]).includes(scenario))
    throw new UsageError(`--scenario must be one of ${SCENARIOS.join(', ')}, got ${scenario}`);
  const approval = v.approval ?? DEFAULT_OPTIONS.approval;
  if (approval !== 'auto' && approval !== 'manual')
    throw new UsageError(`--approval must be auto or manual, got ${approval}`);
  return {
    once: v.once,
    full: v.full,
    fresh: v.fresh,
    port: intOr('port', v.port, DEFAULT_OPTIONS.port),
    events: intOr('events', v.events, DEFAULT_OPTIONS.events, 1),
    poison: intOr('poison', v.poison, DEFAULT_OPTIONS.poison),
    epochs: intOr('epochs', v.epochs, DEFAULT_OPTIONS.epochs, 1),
    bakeSeconds: intOr('bake-seconds', v['bake-seconds'], DEFAULT_OPTIONS.bakeSeconds),
    scenario: scenario as ScenarioName,
    seed: intOr('seed', v.seed, DEFAULT_OPTIONS.seed),
    approval,
    symbols: v.symbols === undefined ? DEFAULT_OPTIONS.symbols : commaList(v.symbols),
    timeframes: v.timeframes === undefined ? DEFAULT_OPTIONS.timeframes : commaList(v.timeframes),
  };
}
