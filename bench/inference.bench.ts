// `npm run bench -- inference`: the inference path's latency, side by side with the same model in
// tfjs-wasm, its cold start, and the local HTTP server under a fixed 500 req/s and at saturation.
// The model is a real export: the trainer's dataset builder, init and TypeScript ONNX exporter, with the
// default hyperparameters' shape (LSTM, window 32, 32 hidden units, 14 features).
import { spawn } from 'node:child_process';
import { pacedHttpInChild } from './paced-http.js';
import { measureOnlineHttp, prepareOnlineStore, type OnlineHttpFigures } from './online-http.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { loadConfig } from '../core/config/index.js';
import { buildModelInput } from '../core/features/index.js';
import { createApiGatewayHandler } from '../lambdas/serving/inference/apigw.js';
import { DEFAULT_SESSION_OPTIONS } from '../lambdas/serving/inference/model-cache.js';
import { createOrtSession } from '../lambdas/serving/inference/ort-session.js';
import { INPUT_NAME, OUTPUT_NAME } from '../gpu-trainer/model/onnx.js';
import { createArtifactReader, metadataInputAdapter } from '../lambdas/serving/inference/model-input.js';
import { logLineSink } from '../lambdas/serving/inference/prediction-log.js';
import { createInferenceService } from '../lambdas/serving/inference/service.js';
import { buildRealModel } from '../test/integration/serving/real-model.js';
import { startRuntimeTimer, type RuntimeModelFiles } from './runtime-timer.js';
import { makeBars } from '../test/unit/serving/fixtures.js';
import { percentile } from './percentile.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The slice of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
const HANDLER_WARMUP = 500;
/** Rounds of HANDLER_SAMPLES; on a shared machine one round can land in another process's burst. */
const HANDLER_ROUNDS = 3;
const HANDLER_SAMPLES = 2000;
const TFJS_WARMUP = 10;
const HTTP_SECONDS = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (v: number, digits = 4) => Number(v.toFixed(digits));

async function timeAsync(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}

/** A model artifact on disk (file:// URIs, as the local sandbox registers them) plus a static registry answer. */
export async function prepareArtifacts(dir: string) {
  const bars = makeBars(800, 42);
  const model = await buildRealModel({
    symbol: 'AAPL',
    timeframe: '1h',
    runId: 'bench',
    bars,
    kind: 'lstm',
    windowSize: 32,
    hidden: 32,
  });
  const modelDir = join(dir, 'models/AAPL/1h/bench');
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(modelDir, 'model.onnx'), model.onnx);
  writeFileSync(join(modelDir, 'metadata.json'), JSON.stringify(model.metadata));
  const aliases = {
    production: {
      version: 1,
      artifactUri: pathToFileURL(join(modelDir, 'model.onnx')).href,
      metadataUri: pathToFileURL(join(modelDir, 'metadata.json')).href,
      sha256: model.sha256,
    },
  };
  // As many bars as the model needs (its feature history plus window), the least a client may send.
  const requestBars = makeBars(model.metadata.minBars, 7);
  const body = JSON.stringify({ symbol: 'AAPL', timeframe: '1h', bars: requestBars });
  return { model, aliases, body, requestBars };
}

function proxyEvent(body: string, i: number): APIGatewayProxyEvent {
  return {
    httpMethod: 'POST',
    path: '/v1/predict',
    headers: { 'content-type': 'application/json', 'x-request-id': `bench-${i}` },
    body,
    isBase64Encoded: false,
    requestContext: { requestId: `bench-${i}` },
  } as unknown as APIGatewayProxyEvent;
}

/**
 * The source of a child process that serves (or predicts once) with the real modules. It is bundled
 * with esbuild the way the Lambda construct bundles (ESM, minified, onnxruntime-node external), so the
 * cold start counts module evaluation as deployed rather than tsx's on-the-fly transpiling.
 */
export function childSource(mode: 'cold' | 'serve', aliasesJson: string, body: string): string {
  const imp = (p: string) => JSON.stringify(join(root, p));
  return `
const t0 = performance.now();
const { createInferenceService } = await import(${imp('lambdas/serving/inference/service.ts')});
const { createApiGatewayHandler } = await import(${imp('lambdas/serving/inference/apigw.ts')});
const { createArtifactReader, metadataInputAdapter } = await import(${imp('lambdas/serving/inference/model-input.ts')});
const { loadConfig } = await import(${imp('core/config/index.ts')});
const aliases = ${aliasesJson};
// With ONLINE_STORE_TABLE set (the short-form rounds), windows come from that table; the bench's bars are from 2024, so
// no staleness limit.
const online = process.env.ONLINE_STORE_TABLE;
const config = loadConfig({ env: {}, ...(online ? { overrides: { online: { staleAfterSeconds: { '1h': 1e9, '4h': 1e9, '1d': 1e9, '1w': 1e9 } } } } : {}) });
const { OnlineBarStore } = await import(${imp('core/online/index.ts')});
const onlineStore = online ? new OnlineBarStore({ tableName: online, config }) : undefined;
const service = createInferenceService({
  config,
  getServingAliases: async (key) => (key === 'AAPL#1h' ? aliases : {}),
  readArtifact: createArtifactReader(),
  createAdapter: metadataInputAdapter,
  onlineStore,
});
const handler = createApiGatewayHandler(service);
if (${JSON.stringify(mode)} === 'cold') {
  const res = await handler({ httpMethod: 'POST', path: '/v1/predict', headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(body)}, isBase64Encoded: false, requestContext: { requestId: 'cold' } });
  const t1 = performance.now();
  process.stdout.write(JSON.stringify({ status: res.statusCode, coldStartMs: t1 - t0, processUptimeMs: process.uptime() * 1000 }) + '\\n');
} else {
  const { startLocalApi } = await import(${imp('local/http/server.ts')});
  const api = await startLocalApi({ port: 0, handler });
  process.stdout.write(JSON.stringify({ url: api.url }) + '\\n');
  process.on('SIGTERM', () => api.close().then(() => process.exit(0)));
}
`;
}

export async function bundleChild(dir: string, name: string, source: string): Promise<string> {
  const entry = join(dir, `${name}.entry.ts`);
  const outfile = join(dir, `${name}.mjs`);
  writeFileSync(entry, source);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    logLevel: 'error',
    external: ['onnxruntime-node', 'avro-js'],
    banner: {
      js: "import { createRequire as __sfCreateRequire } from 'node:module'; const require = __sfCreateRequire(import.meta.url);",
    },
  });
  return outfile;
}

export function runChild(
  file: string,
  onLine: (line: string, child: ReturnType<typeof spawn>) => boolean,
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [file], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let buffer = '';
    let done = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!done && onLine(line, child)) {
          done = true;
          resolvePromise();
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!done) reject(new Error(`child ${file} exited with ${code} before reporting`));
    });
  });
}

/** Blocks of the comparison; each block times TFJS_PER_BLOCK tfjs calls, then ORT_PER_BLOCK onnxruntime calls. */
const COMPARE_BLOCKS = 30;
const TFJS_PER_BLOCK = 10;
const ORT_PER_BLOCK = 500;
/** Calls discarded at the start of each block, after the runtime's process sat idle during the other's block. */
const TFJS_WARMUP_PER_BLOCK = 1;
const ORT_WARMUP_PER_BLOCK = 300;
/** onnxruntime calls discarded once, before the first block (tfjs' first calls: TFJS_WARMUP). */
const ORT_WARMUP = 500;
/**
 * Pause after each block before the other runtime's: V8 goes on collecting tfjs-wasm's garbage on a
 * background thread after its calls return, and onnxruntime ran up to 1.5x slower beside it.
 */
const SETTLE_MS = 150;

interface Comparison {
  tfjsSorted: number[];
  ortSorted: number[];
  /** Per block: tfjs p50 over the adjacent ORT p50, wall clock and process CPU time. */
  blockRatios: number[];
  cpuBlockRatios: number[];
  tfjsCpuMs: number;
  ortCpuMs: number;
  tfjsOutput: number;
  ortOutput: number;
}

/**
 * tfjs-wasm and onnxruntime on the same input, each in its own process (see runtime-timer.ts), in
 * alternating blocks so both see the same background load. The speed-up is the median of the
 * per-block ratios: a block's two halves are a second apart, so load that comes and goes on this
 * shared machine scales both, where pooled percentiles would compare one runtime's quiet moments with
 * the other's busy ones. Process CPU time per call is reported beside it, as it does not count the
 * time another process held the core.
 */
async function tfjsVersusOrt(
  dir: string,
  model: Awaited<ReturnType<typeof buildRealModel>>,
  input: Float32Array,
): Promise<Comparison> {
  const files: RuntimeModelFiles = {
    onnxPath: join(dir, 'compare.onnx'),
    paramsPath: join(dir, 'compare.params.f32'),
    inputPath: join(dir, 'compare.input.f32'),
    spec: model.spec,
    targetMean: model.dataset.targetMean,
    targetStd: model.dataset.targetStd,
  };
  writeFileSync(files.onnxPath, model.onnx);
  writeFileSync(
    files.paramsPath,
    new Uint8Array(model.params.buffer, model.params.byteOffset, model.params.byteLength),
  );
  writeFileSync(files.inputPath, new Uint8Array(input.buffer, input.byteOffset, input.byteLength));
  const [tfjs, ort] = await Promise.all([
    startRuntimeTimer('tfjs-wasm', files),
    startRuntimeTimer('onnxruntime', files),
  ]);
  try {
    await tfjs.block(TFJS_WARMUP, 0);
    await ort.block(ORT_WARMUP, 0);
    const c: Comparison = {
      tfjsSorted: [],
      ortSorted: [],
      blockRatios: [],
      cpuBlockRatios: [],
      tfjsCpuMs: 0,
      ortCpuMs: 0,
      tfjsOutput: 0,
      ortOutput: 0,
    };
    for (let block = 0; block < COMPARE_BLOCKS; block++) {
      const t = await tfjs.block(TFJS_WARMUP_PER_BLOCK, TFJS_PER_BLOCK);
      await sleep(SETTLE_MS);
      const o = await ort.block(ORT_WARMUP_PER_BLOCK, ORT_PER_BLOCK);
      await sleep(SETTLE_MS);
      const tSorted = t.times.sort((a, b) => a - b);
      const oSorted = o.times.sort((a, b) => a - b);
      c.blockRatios.push(percentile(tSorted, 50) / percentile(oSorted, 50));
      c.cpuBlockRatios.push(t.cpuMsPerCall / o.cpuMsPerCall);
      c.tfjsCpuMs += t.cpuMsPerCall / COMPARE_BLOCKS;
      c.ortCpuMs += o.cpuMsPerCall / COMPARE_BLOCKS;
      c.tfjsSorted.push(...tSorted);
      c.ortSorted.push(...oSorted);
      c.tfjsOutput = t.output;
      c.ortOutput = o.output;
    }
    for (const list of [c.tfjsSorted, c.ortSorted, c.blockRatios, c.cpuBlockRatios]) list.sort((a, b) => a - b);
    return c;
  } finally {
    tfjs.close();
    ort.close();
  }
}

export async function run(
  log: (line: string) => void,
): Promise<Record<string, number | string | boolean | null | object>> {
  // Inside the checkout so the child bundles resolve onnxruntime-node from its node_modules, as a Lambda asset does.
  const cacheDir = join(root, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const dir = mkdtempSync(join(cacheDir, 'sf-bench-inference-'));
  try {
    const os = await import('node:os');
    const loadBefore = os.loadavg()[0]!;
    log(
      `machine: ${os.cpus().length} cores, load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (shared with other work)`,
    );
    const { model, aliases, body, requestBars } = await prepareArtifacts(dir);
    const config = loadConfig({ env: {} });

    // --- handler, warm, batch 1, features included --------------------------------------------
    const service = createInferenceService({
      config,
      getServingAliases: async (key) => (key === 'AAPL#1h' ? aliases : {}),
      readArtifact: createArtifactReader(),
      createAdapter: metadataInputAdapter,
    });
    const handler = createApiGatewayHandler(service);
    const first = await handler(proxyEvent(body, 0));
    if (first.statusCode !== 200) throw new Error(`warm-up request failed: ${first.statusCode} ${first.body}`);
    const servedPrediction = (JSON.parse(first.body) as { prediction: number }).prediction;
    for (let i = 0; i < HANDLER_WARMUP; i++) await handler(proxyEvent(body, i));
    let i = 0;
    const rounds: number[][] = [];
    for (let r = 0; r < HANDLER_ROUNDS; r++)
      rounds.push(await timeAsync(HANDLER_SAMPLES, () => handler(proxyEvent(body, ++i))));
    const handlerTimes = rounds.flat().sort((a, b) => a - b);
    const roundP99 = rounds.map((r) => percentile(r, 99)).sort((a, b) => a - b);
    log(
      `handler: ${HANDLER_ROUNDS} x ${HANDLER_SAMPLES} warm requests of ${requestBars.length} bars (${body.length} bytes); p99 per round ${roundP99.map((v) => v.toFixed(3)).join(', ')} ms`,
    );

    // --- the same handler with the prediction log (record + JSON line; the line goes to a counter, not stdout) ---
    let loggedBytes = 0;
    const logged = createApiGatewayHandler(
      createInferenceService({
        config,
        getServingAliases: async (key) => (key === 'AAPL#1h' ? aliases : {}),
        readArtifact: createArtifactReader(),
        createAdapter: metadataInputAdapter,
        onPrediction: logLineSink((line) => {
          loggedBytes += line.length;
        }),
      }),
    );
    for (let k = 0; k < HANDLER_WARMUP; k++) await logged(proxyEvent(body, k));
    // Interleaved rounds, so machine noise hits both the same way; the overhead is the median of per-round p99
    // differences.
    const logOverheads: number[] = [];
    for (let r = 0; r < HANDLER_ROUNDS; r++) {
      const without = percentile(await timeAsync(HANDLER_SAMPLES, () => handler(proxyEvent(body, ++i))), 99);
      const withLog = percentile(await timeAsync(HANDLER_SAMPLES, () => logged(proxyEvent(body, ++i))), 99);
      logOverheads.push(withLog - without);
    }
    logOverheads.sort((a, b) => a - b);
    const predictionLogOverheadP99 = percentile(logOverheads, 50);
    log(
      `prediction log: p99 overhead per round ${logOverheads.map((v) => v.toFixed(4)).join(', ')} ms (median ${predictionLogOverheadP99.toFixed(4)}); ${loggedBytes} bytes logged`,
    );

    // --- the model alone in onnxruntime and in tfjs-wasm, same input ------------------------------
    const input = buildModelInput(requestBars, model.metadata);
    const session = await createOrtSession(model.onnx, DEFAULT_SESSION_OPTIONS);
    const dims = [1, model.spec.windowSize, model.spec.features];
    const runOrt = () => session.run(INPUT_NAME, input, dims, OUTPUT_NAME);
    for (let k = 0; k < 200; k++) await runOrt();
    const ortTimes = await timeAsync(HANDLER_SAMPLES, runOrt);
    const ortOutput = Number((await runOrt())[0]);
    const featureTimes = await timeAsync(2000, async () => buildModelInput(requestBars, model.metadata));
    const tfjs = await tfjsVersusOrt(dir, model, input);
    await session.release();
    log(
      `ort vs tfjs-wasm over ${COMPARE_BLOCKS} blocks: per-block ratio median ${percentile(tfjs.blockRatios, 50).toFixed(1)}x ` +
        `(min ${tfjs.blockRatios[0]!.toFixed(1)}, max ${tfjs.blockRatios[tfjs.blockRatios.length - 1]!.toFixed(1)}); ` +
        `CPU time per call ${tfjs.tfjsCpuMs.toFixed(3)} vs ${tfjs.ortCpuMs.toFixed(4)} ms`,
    );
    log(
      `outputs: served ${servedPrediction.toExponential(6)}, ort ${ortOutput.toExponential(6)}, tfjs-wasm ${tfjs.tfjsOutput.toExponential(6)} (ort in its own process ${tfjs.ortOutput.toExponential(6)})`,
    );

    // --- cold start: a fresh process, bundled as the Lambda is ------------------------------------
    const coldFile = await bundleChild(dir, 'cold', childSource('cold', JSON.stringify(aliases), body));
    const coldRuns: { coldStartMs: number; processUptimeMs: number }[] = [];
    for (let k = 0; k < 3; k++) {
      await runChild(coldFile, (line) => {
        const r = JSON.parse(line) as { status: number; coldStartMs: number; processUptimeMs: number };
        if (r.status !== 200) throw new Error(`cold start request answered ${r.status}`);
        coldRuns.push(r);
        return true;
      });
    }
    coldRuns.sort((a, b) => a.coldStartMs - b.coldStartMs);
    const coldMedian = coldRuns[Math.floor(coldRuns.length / 2)]!;
    log(`cold start runs (ms): ${coldRuns.map((r) => r.coldStartMs.toFixed(1)).join(', ')}`);

    // --- HTTP: the local server in its own process, autocannon here ---------------------------------
    const serveFile = await bundleChild(dir, 'serve', childSource('serve', JSON.stringify(aliases), body));
    let server: ReturnType<typeof spawn> | undefined;
    let url = '';
    await runChild(serveFile, (line, child) => {
      url = (JSON.parse(line) as { url: string }).url;
      server = child;
      return true;
    });
    try {
      const request = {
        url: `${url}/v1/predict`,
        method: 'POST' as const,
        headers: { 'content-type': 'application/json' },
        body,
      };
      // The steady-rate figure first, on a server that has seen only steady traffic: after autocannon's
      // bursts the same process showed a p99 two to three times higher for a while (not yet explained).
      await pacedHttpInChild({ url: request.url, body, ratePerSecond: 500, durationSeconds: 3 }); // warm-up, discarded
      const paced = await pacedHttpInChild({
        url: request.url,
        body,
        ratePerSecond: 500,
        durationSeconds: HTTP_SECONDS,
      });
      await autocannon({ ...request, connections: 4, duration: 2 });
      const fixed = await autocannon({ ...request, connections: 10, overallRate: 500, duration: HTTP_SECONDS });
      const max = await autocannon({ ...request, connections: 32, duration: HTTP_SECONDS });
      const ok = (r: AutocannonResult) => r.non2xx === 0 && r.errors === 0 && r.timeouts === 0;
      log(
        `http @500/s paced (open loop): ${paced.requests} requests, ${paced.failed} failed, p50 ${paced.p50Ms.toFixed(2)} ms, p99 ${paced.p99Ms.toFixed(2)} ms, max ${paced.maxMs.toFixed(2)} ms`,
      );
      log(
        `http @500/s: ${fixed.requests.total} requests, non2xx ${fixed.non2xx}, errors ${fixed.errors}; max: ${max.requests.total} requests, non2xx ${max.non2xx}`,
      );

      // --- the short form: windows from the online store (moto) through the warm cache ----------------
      server?.kill('SIGTERM');
      const store = await prepareOnlineStore(requestBars, log);
      let online: OnlineHttpFigures;
      let onlineServer: ReturnType<typeof spawn> | undefined;
      try {
        Object.assign(process.env, store.env);
        let onlineUrl = '';
        await runChild(serveFile, (line, child) => {
          onlineUrl = (JSON.parse(line) as { url: string }).url;
          onlineServer = child;
          return true;
        });
        online = await measureOnlineHttp(`${onlineUrl}/v1/predict`, body, HTTP_SECONDS, log);
      } finally {
        onlineServer?.kill('SIGTERM');
        delete process.env.ONLINE_STORE_TABLE;
        await store.stop();
      }

      const handlerP50 = percentile(handlerTimes, 50);
      const handlerP99 = percentile(handlerTimes, 99);
      const ortP50 = percentile(ortTimes, 50);
      const ortPairedP50 = percentile(tfjs.ortSorted, 50);
      const tfjsP50 = percentile(tfjs.tfjsSorted, 50);
      const speedup = percentile(tfjs.blockRatios, 50);
      return {
        handler_p50_ms: round(handlerP50),
        handler_p99_ms: round(handlerP99),
        prediction_log_overhead_p99_ms: round(predictionLogOverheadP99),
        handler_p999_ms: round(percentile(handlerTimes, 99.9)),
        handler_p99_best_round_ms: round(roundP99[0]!),
        features_p50_ms: round(percentile(featureTimes, 50)),
        ort_p50_ms: round(ortP50),
        ort_run_path: session.path,
        ort_p99_ms: round(percentile(ortTimes, 99)),
        tfjs_p50_ms: round(tfjsP50),
        tfjs_p99_ms: round(percentile(tfjs.tfjsSorted, 99)),
        ort_p50_alongside_tfjs_ms: round(ortPairedP50),
        // Median over blocks of (tfjs p50 / ORT p50 of the adjacent block); the pooled ratio and the
        // CPU-time ratio beside it, and the spread of the block ratios, say how steady that is.
        ort_vs_tfjs_speedup: round(speedup, 1),
        ort_vs_tfjs_speedup_pooled_p50: round(tfjsP50 / ortPairedP50, 1),
        ort_vs_tfjs_speedup_block_p10_p90: [
          round(percentile(tfjs.blockRatios, 10), 1),
          round(percentile(tfjs.blockRatios, 90), 1),
        ],
        ort_vs_tfjs_speedup_cpu_time: round(percentile(tfjs.cpuBlockRatios, 50), 1),
        tfjs_cpu_ms_per_call: round(tfjs.tfjsCpuMs),
        ort_cpu_ms_per_call: round(tfjs.ortCpuMs),
        handler_vs_tfjs_speedup: round(tfjsP50 / handlerP50, 1),
        ort_tfjs_abs_diff: round(Math.abs(ortOutput - tfjs.tfjsOutput), 9),
        cold_start_ms: round(coldMedian.coldStartMs, 1),
        cold_start_process_ms: round(coldMedian.processUptimeMs, 1),
        // Open-loop paced client: steady 500 req/s, latency from each request's due time.
        http_p50_ms: round(paced.p50Ms),
        http_p99_ms: round(paced.p99Ms),
        http_p999_ms: round(paced.p999Ms),
        http_rate_achieved_rps: round(paced.achievedRps, 1),
        http_fixed_rate_clean: paced.failed === 0 && paced.ok === paced.requests,
        // autocannon's overallRate fires each connection's per-second quota in one burst (1 ms resolution).
        http_autocannon_burst_p50_ms: fixed.latency.p50,
        http_autocannon_burst_p99_ms: fixed.latency.p99,
        http_autocannon_clean: ok(fixed),
        http_max_rps: round(max.requests.average, 1),
        http_max_p99_ms: max.latency.p99,
        http_max_clean: ok(max),
        // The short form ({symbol, timeframe}) at the same paced 500 req/s: median p99 of ONLINE_ROUNDS rounds
        // (each round listed), beside the bars form's p99 in alternating rounds on the same server.
        ...online,
        machine: `${os.cpus().length} cores; 1-min load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after (shared with other engineers' builds and tests)`,
        model: `${model.spec.kind} window ${model.spec.windowSize} x ${model.spec.features} features, hidden ${model.spec.hidden}; request ${requestBars.length} bars`,
        goals: {
          handler_p99_le_1ms: handlerP99 <= 1,
          speedup_ge_100x: speedup >= 100,
          cold_start_le_300ms: coldMedian.coldStartMs <= 300,
          http_p99_le_5ms_at_500rps: paced.p99Ms <= 5,
          online_http_p99_le_5ms_at_500rps: online.online_http_p99_ms <= 5,
        },
      };
    } finally {
      server?.kill('SIGTERM');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
