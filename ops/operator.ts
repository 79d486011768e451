import { userInfo } from 'node:os';
import type { ParseArgsOptionsConfig } from 'node:util';
import { HELP_FLAG, JSON_FLAG, parseCliArgs } from '../core/cli/index.js';

/**
 * Flags every operator CLI takes: why and who (kept in the audit trail of whatever it changes), machine-readable
 * output, help.
 */
export const OPERATOR_FLAGS = {
  reason: { type: 'string' },
  who: { type: 'string' },
  ...JSON_FLAG,
  ...HELP_FLAG,
} as const;

/** Parses an operator CLI's argv: commands and keys as positionals, its own flags plus OPERATOR_FLAGS. */
export function parseOperatorArgs<const O extends ParseArgsOptionsConfig>(argv: string[], options: O) {
  return parseCliArgs({ args: argv, allowPositionals: true, options: { ...options, ...OPERATOR_FLAGS } });
}

/** Who an operator command acts as: --who, else the OS user; never empty, since audits name someone. */
export function operatorName(who: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (who) return who;
  if (env.USER) return env.USER;
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}
