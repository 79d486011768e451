// An open-loop HTTP load generator: request i is due at start + i / rate, whatever happened to earlier
// requests, and its latency is counted from when it was due (so a stall is not hidden by the client
// waiting, the "coordinated omission" that closed-loop tools suffer). autocannon's overallRate instead
// sends each connection's whole per-second quota back to back at the top of every second, which
// measures queueing behind a burst rather than latency at a steady rate.
import { Agent, request } from 'node:http';
import { pathToFileURL } from 'node:url';
import { percentile } from './percentile.js';

export interface PacedResult {
  requests: number;
  ok: number;
  failed: number;
  achievedRps: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export interface PacedOptions {
  url: string;
  /** POST unless GET (a GET sends no body). */
  method?: 'GET' | 'POST';
  body: string;
  headers?: Record<string, string>;
  ratePerSecond: number;
  durationSeconds: number;
  /** Sockets kept open; enough that a momentary stall does not starve the schedule. */
  maxSockets?: number;
}

export async function pacedHttp(options: PacedOptions): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 32 });
  const target = new URL(options.url);
  const method = options.method ?? 'POST';
  const payload = Buffer.from(method === 'GET' ? '' : options.body);
  const total = Math.round(options.ratePerSecond * options.durationSeconds);
  const intervalNs = 1e9 / options.ratePerSecond;
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let settled = 0;
  const start = process.hrtime.bigint();
  const nowNs = () => Number(process.hrtime.bigint() - start);

  await new Promise<void>((resolve) => {
    let sent = 0;
    const fire = (dueNs: number) => {
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method,
          agent,
          headers:
            method === 'GET'
              ? { ...options.headers }
              : { 'content-type': 'application/json', 'content-length': payload.length, ...options.headers },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push((nowNs() - dueNs) / 1e6);
            if (res.statusCode === 200) ok++;
            else failed++;
            if (++settled === total) resolve();
          });
        },
      );
      req.on('error', () => {
        failed++;
        if (++settled === total) resolve();
      });
      req.end(payload);
    };
    const tick = () => {
      // Send everything that has fallen due, then sleep until the next one is due.
      while (sent < total && sent * intervalNs <= nowNs()) fire(sent++ * intervalNs);
      if (sent < total) setTimeout(tick, Math.max(0, (sent * intervalNs - nowNs()) / 1e6 - 0.2));
    };
    tick();
  });
  const elapsedS = nowNs() / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: total,
    ok,
    failed,
    achievedRps: total / elapsedS,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    p999Ms: percentile(latencies, 99.9),
    maxMs: latencies[latencies.length - 1] ?? NaN,
  };
}

/** Runs the generator in its own lean process, so the bench process's heap and timers cannot skew it. */
export async function pacedHttpInChild(options: PacedOptions): Promise<PacedResult> {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`paced HTTP client exited with ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!) as PacedResult;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2]) {
  const result = await pacedHttp(JSON.parse(process.argv[2]) as PacedOptions);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
