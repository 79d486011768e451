#!/usr/bin/env node
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig, type SignalForgeConfig } from '../../core/config/index.js';
import { parsePreflightArgs, PREFLIGHT_HELP, UsageError, type PreflightArgs } from './args.js';
import { createPreflightClients } from './clients.js';
import { AccountUnreachableError, formatReport, runPreflight } from './runner.js';
import type { PreflightClients } from './types.js';

export interface PreflightIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Injected in tests; built for --region otherwise. */
  clients?: (region: string) => PreflightClients;
}

/** One preflight invocation; returns the exit code (0 no failure, 1 failure, 2 usage). */
export async function runPreflightCli(argv: string[], io: PreflightIo): Promise<number> {
  const env = io.env ?? process.env;
  let args: PreflightArgs;
  let config: SignalForgeConfig;
  try {
    args = parsePreflightArgs(argv);
    if (args.help) {
      io.out(PREFLIGHT_HELP);
      return 0;
    }
    // The same layers as bin/signalforge.ts: defaults, SIGNALFORGE_* env, then the -c config JSON.
    config = loadConfig({ env, ...(args.config ? { overrides: args.config } : {}) });
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.err(`preflight: ${err.message}\n\n${PREFLIGHT_HELP}`);
      return 2;
    }
    throw err;
  }
  const clients = (io.clients ?? ((region) => createPreflightClients(region, env)))(args.region);
  try {
    const report = await runPreflight(clients, config);
    io.out(args.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return report.ok ? 0 : 1;
  } catch (err) {
    if (!(err instanceof AccountUnreachableError)) throw err;
    if (args.json) io.out(JSON.stringify({ region: args.region, ok: false, error: err.message }));
    io.err(`preflight: ${err.message}`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const code = await runPreflightCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
  });
  process.exitCode = code;
}
