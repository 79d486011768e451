// The short request form under the same steady 500 req/s as the bars form: a served window read from a
// real DynamoDB table (moto) through the warm window cache, in a server process bundled as the Lambda is.
// Rounds alternate between the two forms and GET /health (the HTTP server and event loop alone) on the same
// server, so all three see the same machine load. The short form's entry is ~20 s old when its round starts:
// without the cache's read-ahead its first requests wait on a window read.
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Bar } from '../core/api/index.js';
import { awsClientConfig } from '../core/aws/clients.js';
import { loadConfig } from '../core/config/index.js';
import { marketBarEvent } from '../core/events/index.js';
import { OnlineBarStore, onlineStoreTableDefinition } from '../core/online/index.js';
import { startLocalServices } from '../local/services/index.js';
import { pacedHttpInChild } from './paced-http.js';
import { median } from './percentile.js';

export const ONLINE_ROUNDS = 3;

export interface OnlineHttpFigures {
  online_http_p99_ms: number;
  online_http_p99_rounds_ms: number[];
  online_http_p50_ms: number;
  bars_http_p99_same_rounds_ms: number;
  bars_http_p99_rounds_ms: number[];
  /** GET /health in the same rounds: the HTTP server and event loop alone, the floor on this machine. */
  health_http_p99_same_rounds_ms: number;
  health_http_p99_rounds_ms: number[];
  online_http_clean: boolean;
  online_vs_bars_prediction_abs_diff: number;
}

/**
 * Loads the request's bars into a fresh online table on moto (started here unless AWS_ENDPOINT_URL is set); returns the
 * env a server needs.
 */
export async function prepareOnlineStore(
  requestBars: readonly Bar[],
  log: (line: string) => void,
): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  // Only the emulator is needed; a placeholder broker list tells startLocalServices to start no Kafka.
  const services = await startLocalServices({
    env: { ...process.env, KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:1' },
    log,
  });
  const env = { ...services.env, ONLINE_STORE_TABLE: `bench-online-${randomBytes(4).toString('hex')}` };
  // The SDK reads the emulator's credentials from process.env; the server child inherits them from there too.
  Object.assign(process.env, env);
  const client = new DynamoDBClient(awsClientConfig());
  await client.send(new CreateTableCommand(onlineStoreTableDefinition(env.ONLINE_STORE_TABLE)));
  const config = loadConfig({ env: {} });
  const store = new OnlineBarStore({ tableName: env.ONLINE_STORE_TABLE, config, client });
  const ingestTime = new Date().toISOString();
  await store.update(
    requestBars.map((bar) =>
      marketBarEvent({
        ...bar,
        source: 'bench',
        synthetic: true,
        symbol: 'AAPL',
        timeframe: '1h',
        eventTime: new Date(bar.t).toISOString(),
        ingestTime,
      }),
    ),
  );
  return { env, stop: () => services.stop() };
}

/** Alternating paced rounds (bars form, then short form) against one server that serves both. */
export async function measureOnlineHttp(
  url: string,
  barsBody: string,
  durationSeconds: number,
  log: (line: string) => void,
): Promise<OnlineHttpFigures> {
  const onlineBody = JSON.stringify({ symbol: 'AAPL', timeframe: '1h' });
  const post = async (body: string) =>
    (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as {
      prediction: number;
      featureAgeSeconds?: number;
    };
  const [viaBars, viaStore] = [await post(barsBody), await post(onlineBody)];
  if (typeof viaStore.prediction !== 'number' || viaStore.featureAgeSeconds === undefined)
    throw new Error(`short form did not answer a prediction: ${JSON.stringify(viaStore)}`);
  await pacedHttpInChild({ url, body: onlineBody, ratePerSecond: 500, durationSeconds: 3 }); // warm-up, discarded
  const healthUrl = new URL('/health', url).href;
  const bars: number[] = [];
  const health: number[] = [];
  const online: number[] = [];
  const onlineP50: number[] = [];
  let clean = true;
  for (let r = 0; r < ONLINE_ROUNDS; r++) {
    const b = await pacedHttpInChild({ url, body: barsBody, ratePerSecond: 500, durationSeconds });
    const o = await pacedHttpInChild({ url, body: onlineBody, ratePerSecond: 500, durationSeconds });
    const h = await pacedHttpInChild({ url: healthUrl, method: 'GET', body: '', ratePerSecond: 500, durationSeconds });
    bars.push(b.p99Ms);
    health.push(h.p99Ms);
    online.push(o.p99Ms);
    onlineP50.push(o.p50Ms);
    clean &&= o.failed === 0 && o.ok === o.requests;
    log(
      `http @500/s round ${r + 1}: bars form p99 ${b.p99Ms.toFixed(2)} ms, ` +
        `short form p99 ${o.p99Ms.toFixed(2)} ms (p50 ${o.p50Ms.toFixed(2)}, ${o.failed} failed), ` +
        `GET /health p99 ${h.p99Ms.toFixed(2)} ms`,
    );
  }
  const round = (v: number) => Number(v.toFixed(4));
  return {
    online_http_p99_ms: round(median(online)),
    online_http_p99_rounds_ms: online.map(round),
    online_http_p50_ms: round(median(onlineP50)),
    bars_http_p99_same_rounds_ms: round(median(bars)),
    bars_http_p99_rounds_ms: bars.map(round),
    health_http_p99_same_rounds_ms: round(median(health)),
    health_http_p99_rounds_ms: health.map(round),
    online_http_clean: clean,
    online_vs_bars_prediction_abs_diff: Math.abs(viaStore.prediction - viaBars.prediction),
  };
}

/**
 * `npx tsx bench/online-http.ts [seconds]`: only the paced rounds above (bars form, short form, /health) against the
 * bench's model, without the rest of the inference section; prints the figures and the load average.
 */
async function main(): Promise<void> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const os = await import('node:os');
  const { prepareArtifacts, childSource, bundleChild, runChild } = await import('./inference.bench.js');
  const log = (line: string) => process.stdout.write(`   ${line}\n`);
  const seconds = Number(process.argv[2] ?? 10);
  const dir = mkdtempSync(join(process.cwd(), 'node_modules', '.cache', 'sf-bench-online-'));
  const loadBefore = os.loadavg();
  try {
    const { aliases, body, requestBars } = await prepareArtifacts(dir);
    const serveFile = await bundleChild(dir, 'serve', childSource('serve', JSON.stringify(aliases), body));
    const store = await prepareOnlineStore(requestBars, log);
    let server: { kill(signal: NodeJS.Signals): boolean } | undefined;
    try {
      let url = '';
      await runChild(serveFile, (line, child) => {
        url = (JSON.parse(line) as { url: string }).url;
        server = child;
        return true;
      });
      const figures = await measureOnlineHttp(`${url}/v1/predict`, body, seconds, log);
      const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(' ');
      const machine = `${os.cpus().length} cores; load average ${load(loadBefore)} before, ${load(os.loadavg())} after`;
      process.stdout.write(`${JSON.stringify({ ...figures, machine }, null, 2)}\n`);
    } finally {
      server?.kill('SIGTERM');
      await store.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Not awaited at top level: inference.bench.ts imports this module, so a top-level await here would deadlock.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
