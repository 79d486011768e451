import { GetObjectCommand } from '@aws-sdk/client-s3';
import { parquetReadObjects } from 'hyparquet';
import { datasetManifestSchema, readUri } from '../../../core/artifacts/index.js';
import type { SignalForgeConfig, Timeframe } from '../../../core/config/index.js';
import { eventSchema } from '../../../core/events/index.js';
import { mapLimit } from '../../../core/lake/index.js';
import type { RunContext } from '../contracts.js';
import type { TrainingDeps } from '../deps.js';
import { writeRunDoc } from './run-docs.js';

const HOUR = 3_600_000;
const TIMEFRAME_MS: Record<Timeframe, number> = { '1h': HOUR, '4h': 4 * HOUR, '1d': 24 * HOUR, '1w': 168 * HOUR };
/** Closed markets (nights, weekends, a holiday) are not gaps; a missing trading day or more is. */
const MARKET_CLOSED_ALLOWANCE_MS = 72 * HOUR;
const PRICE_FIELDS = ['o', 'h', 'l', 'c', 'v'] as const;

export interface BarRow {
  eventTime: string;
  values: Record<(typeof PRICE_FIELDS)[number], unknown>;
  /** The row as a market-bar event, for the schema check. */
  event: Record<string, unknown>;
}

export interface ConfigQuality {
  key: string;
  rows: number;
  nanRows: number;
  nanFraction: number;
  schemaErrors: number;
  firstSchemaError?: string;
  duplicateBars: number;
  gaps: number;
  gapFraction: number;
  issues: string[];
}

export interface QualityResult {
  /** False only when more than quality.maxFailingConfigShare of the configs fail, or all of them do. */
  passed: boolean;
  reportUri: string;
  checked: number;
  /** Failing configs with their issues (at most 20 in the state; the report has all). */
  failing: { key: string; issues: string[] }[];
  /** Every failing config's key: they are skipped, the others train (plan reads this). */
  skippedKeys: string[];
  failingShare: number;
  /** One line for the notification. */
  message: string;
}

/**
 * Each config is judged alone: a failing one is skipped with its report and the others train. The run
 * fails only when the failing share exceeds the configured bound (a lake-wide problem, not one series), or
 * when nothing is left to train.
 */
export function gateVerdict(
  configs: readonly ConfigQuality[],
  maxFailingConfigShare: number,
): { passed: boolean; failing: { key: string; issues: string[] }[]; failingShare: number } {
  const failing = configs.filter((c) => c.issues.length > 0).map((c) => ({ key: c.key, issues: c.issues }));
  const failingShare = configs.length ? failing.length / configs.length : 0;
  return {
    passed: configs.length > 0 && failing.length < configs.length && failingShare <= maxFailingConfigShare,
    failing,
    failingShare,
  };
}

function toEvent(raw: Record<string, unknown>): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === null || value === undefined || name === 'kafkaPartition' || name === 'kafkaOffset') continue;
    event[name] = value instanceof Date ? value.toISOString() : typeof value === 'bigint' ? Number(value) : value;
  }
  return event;
}

/** Largest step between consecutive bars that still counts as continuous for the timeframe. */
export function gapThresholdMs(timeframe: Timeframe): number {
  const step = TIMEFRAME_MS[timeframe];
  return Math.max(1.5 * step, step + MARKET_CLOSED_ALLOWANCE_MS);
}

/** The data-quality verdict for one model config's bars: rows, NaNs, schema, duplicates, gaps. */
export function assessBars(
  key: string,
  bars: readonly BarRow[],
  thresholds: SignalForgeConfig['thresholds'],
): ConfigQuality {
  const timeframe = key.split('#')[1] as Timeframe;
  let nanRows = 0;
  let schemaErrors = 0;
  let firstSchemaError: string | undefined;
  const times = new Set<number>();
  let duplicateBars = 0;
  for (const bar of bars) {
    if (PRICE_FIELDS.some((f) => typeof bar.values[f] !== 'number' || !Number.isFinite(bar.values[f] as number))) {
      nanRows++;
      continue;
    }
    // The readable schema: version 1 bars from older lake objects are upcast, not counted as errors.
    const parsed = eventSchema.safeParse(bar.event);
    if (!parsed.success || parsed.data.type !== 'market-bar') {
      schemaErrors++;
      firstSchemaError ??= parsed.success
        ? `type ${parsed.data.type} is not a market bar`
        : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      continue;
    }
    const t = Date.parse(bar.eventTime);
    if (times.has(t)) duplicateBars++;
    else times.add(t);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const limit = gapThresholdMs(timeframe);
  let gaps = 0;
  for (let i = 1; i < sorted.length; i++) if (sorted[i]! - sorted[i - 1]! > limit) gaps++;
  const rows = sorted.length;
  const nanFraction = bars.length ? nanRows / bars.length : 0;
  const gapFraction = rows > 1 ? gaps / (rows - 1) : 0;
  const issues: string[] = [];
  if (rows < thresholds.minRowsPerConfig) issues.push(`too few rows: ${rows} < ${thresholds.minRowsPerConfig}`);
  if (nanFraction > thresholds.maxNanFraction)
    issues.push(`NaN fraction ${nanFraction.toFixed(4)} > ${thresholds.maxNanFraction} (${nanRows} rows)`);
  if (gapFraction > thresholds.maxGapFraction)
    issues.push(`gap fraction ${gapFraction.toFixed(4)} > ${thresholds.maxGapFraction} (${gaps} gaps)`);
  if (schemaErrors > 0) issues.push(`schema: ${schemaErrors} rows fail the market-bar schema (${firstSchemaError})`);
  return {
    key,
    rows,
    nanRows,
    nanFraction,
    schemaErrors,
    ...(firstSchemaError ? { firstSchemaError } : {}),
    duplicateBars,
    gaps,
    gapFraction,
    issues,
  };
}

/** The market bars of `symbol` in one pinned lake object (a batch object holds every symbol of its slice). */
async function readBars(deps: TrainingDeps, key: string, versionId: string | null, symbol: string): Promise<BarRow[]> {
  const res = await deps.s3.send(
    new GetObjectCommand({ Bucket: deps.lakeBucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
  );
  const bytes = await res.Body!.transformToByteArray();
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const raw = (await parquetReadObjects({ file, filter: { symbol: { $eq: symbol } } })) as Record<string, unknown>[];
  return raw
    .filter((r) => r.type === 'market-bar')
    .map((r) => {
      const event = toEvent(r);
      return { eventTime: String(event.eventTime), values: { o: r.o, h: r.h, l: r.l, c: r.c, v: r.v }, event };
    });
}

/** Gate state: reads the manifest's market bars per config and fails the run with a report when any config is unfit. */
export async function checkDataQuality(deps: TrainingDeps, run: RunContext): Promise<QualityResult> {
  const manifest = datasetManifestSchema.parse(
    JSON.parse(new TextDecoder().decode(await readUri(run.manifest.uri, deps.s3))),
  );
  const symbols = new Set(run.configs.map((k) => k.split('#')[0]!));
  const barObjects = manifest.objects.filter((o) => o.topic === 'market-data' && symbols.has(o.symbol));
  const bySymbol = new Map<string, BarRow[]>();
  const batches = await mapLimit(barObjects, 8, async (o) => ({
    symbol: o.symbol,
    bars: await readBars(deps, o.key, o.versionId, o.symbol),
  }));
  for (const { symbol, bars } of batches) {
    const list = bySymbol.get(symbol) ?? [];
    list.push(...bars);
    bySymbol.set(symbol, list);
  }
  const configs = run.configs.map((key) => {
    const [symbol, timeframe] = key.split('#');
    const bars = (bySymbol.get(symbol!) ?? []).filter((b) => b.event.timeframe === timeframe);
    return assessBars(key, bars, deps.config.thresholds);
  });
  const maxShare = deps.config.quality.maxFailingConfigShare;
  const { passed, failing, failingShare } = gateVerdict(configs, maxShare);
  const skipped = passed ? failing : [];
  const reportUri = await writeRunDoc(deps, run.runId, 'quality-report', {
    runId: run.runId,
    manifestId: run.manifest.id,
    thresholds: deps.config.thresholds,
    maxFailingConfigShare: maxShare,
    passed,
    skipped,
    configs,
  });
  const listed = `${failing
    .slice(0, 5)
    .map((f) => `${f.key} (${f.issues.join('; ')})`)
    .join(', ')}${failing.length > 5 ? ', ...' : ''}`;
  const message = !passed
    ? `data-quality gate failed: ${failing.length}/${configs.length} configs fail (share ${failingShare.toFixed(3)} > ${maxShare}): ${listed}; report ${reportUri}`
    : failing.length
      ? `data-quality gate passed ${configs.length - failing.length}/${configs.length} configs; skipped ${failing.length}: ${listed}; report ${reportUri}`
      : `data-quality gate passed for ${configs.length} configs`;
  // The state carries at most 20 failing configs with their issues; the report in S3 has them all.
  return {
    passed,
    reportUri,
    checked: configs.length,
    failing: failing.slice(0, 20),
    skippedKeys: skipped.map((f) => f.key),
    failingShare,
    message,
  };
}
