import { parseArgs, type ParseArgsConfig } from 'node:util';
import { pathToFileURL } from 'node:url';

/** A flag or argument the caller got wrong: every CLI prints it with its help and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Flags every CLI takes. */
export const HELP_FLAG = { help: { type: 'boolean', default: false } } as const;
export const JSON_FLAG = { json: { type: 'boolean', default: false } } as const;

/**
 * node:util parseArgs (strict unless the config says otherwise), with its errors turned into UsageError so
 * that an unknown or malformed flag is reported like every other usage mistake.
 */
export function parseCliArgs<const T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * Runs a parse step; a usage mistake goes to `report` (which prints it, with the help, or exits) and gives
 * undefined, so the CLI returns exit code 2. Anything else is a bug and propagates.
 */
export function parseOrReport<T>(parse: () => T, report: (message: string) => void): T | undefined {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    report(err.message);
    return undefined;
  }
}

/**
 * An integer flag or argument: undefined when absent, a UsageError naming it (`--workers`, `VERSION`) when it
 * is not an integer of at least `min`.
 */
export function intArg(label: string, raw: string | undefined, min = 0): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < min)
    throw new UsageError(`${label} must be an integer >= ${min}, got ${raw}`);
  return n;
}

/** Where a CLI writes: injected in tests, the process's streams otherwise. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Runs `run` with the process's arguments when `moduleUrl` (the caller's import.meta.url) is the entry
 * point, and sets the exit code; importing the module (tests) runs nothing.
 */
export async function runIfMain(moduleUrl: string, run: (argv: string[], io: CliIo) => Promise<number>): Promise<void> {
  const entry = process.argv[1];
  if (!entry || moduleUrl !== pathToFileURL(entry).href) return;
  process.exitCode = await run(process.argv.slice(2), processIo);
}
