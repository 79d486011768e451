import { userInfo } from 'node:os';
import { HELP_FLAG, JSON_FLAG } from '../core/cli/index.js';

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
