/** The one way to read an environment variable a deployed component cannot run without. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env, neededBy?: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set${neededBy ? ` (needed by ${neededBy})` : ''}`);
  return value;
}

/** The one way to read a comma-separated setting (env var, flag, broker string): items trimmed, empty ones dropped. */
export function commaList(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
