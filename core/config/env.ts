/** The one way to read an environment variable a deployed component cannot run without. */
export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env, neededBy?: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set${neededBy ? ` (needed by ${neededBy})` : ''}`);
  return value;
}
