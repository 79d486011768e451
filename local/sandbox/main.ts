/**
 * `npm start`: the whole pipeline on this machine (see --help). Progress goes to stderr; stdout gets
 * the summary and the ready-to-paste request, or with --once exactly one JSON line.
 */
import type { Lifecycle } from './lifecycle.js';
import { HELP, parseSandboxArgs, UsageError, type SandboxOptions } from './options.js';
import { runSandbox } from './run-sandbox.js';
import { renderSummary } from './summary.js';

let options: SandboxOptions | undefined;
try {
  options = parseSandboxArgs(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`${err.message}\n\n${HELP}\n`);
  process.exit(2);
}
if (!options) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const opts = options;

let lifecycle: Lifecycle | undefined;
let stopping = false;
let firstSignalAt = 0;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) {
    // One Ctrl-C arrives twice: from the terminal to the process group, and forwarded by the bootstrap runner.
    if (Date.now() - firstSignalAt < 1_000) return;
    // A second Ctrl-C while cleaning up: give up waiting, the services die with this process anyway.
    process.exit(130);
  }
  stopping = true;
  firstSignalAt = Date.now();
  process.stderr.write(
    `\n${signal}: aborting the retrain execution, then stopping trainers, sink, API, Kafka and moto...\n`,
  );
  const failed = (await lifecycle?.closeAll()) ?? [];
  if (failed.length) process.stderr.write(`could not stop cleanly: ${failed.join('; ')}\n`);
  if (opts.once) process.stdout.write(`${JSON.stringify({ ok: false, error: `interrupted by ${signal}` })}\n`);
  process.exit(signal === 'SIGINT' ? 130 : 143);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));

const running = await runSandbox(opts, { onLifecycle: (l) => (lifecycle = l) });
// Interrupted: the run unwound because the signal handler stopped it; that handler prints the last line and exits.
if (stopping) await new Promise<never>(() => undefined);
const { outcome } = running;
if (opts.once) {
  process.stderr.write(renderSummary(outcome));
  const failed = await running.stop();
  if (failed.length) process.stderr.write(`could not stop cleanly: ${failed.join('; ')}\n`);
  process.stdout.write(
    `${JSON.stringify({ ...outcome.summary, ...(outcome.error ? { error: outcome.error } : {}) })}\n`,
  );
  process.exit(outcome.summary.ok ? 0 : 1);
}

const reportDir = outcome.reportFile ? outcome.reportFile.replace(/\/[^/]+$/, '') : undefined;
process.stdout.write(renderSummary(outcome, reportDir));
if (!running.api) {
  await running.stop();
  process.exit(1);
}
process.stdout.write(`\nServing on ${outcome.summary.api_url} — press Ctrl-C to stop everything.\n`);
