/**
 * Declared by the banner of a Lambda or trainer bundle is built at synth (lib/code-version.ts); absent when
 * the sources run under tsx (sandbox, tests), where the sandbox exports SIGNALFORGE_CODE_VERSION instead.
 */
declare const __SIGNALFORGE_CODE_VERSION__: string | undefined;

/** What no bundle stamp or environment names: recorded as such rather than as a version that looks real. */
export const UNSTAMPED_CODE_VERSION = 'unstamped';

/** `<git commit>` or `<git commit>-dirty`: which code this process runs. */
export function codeVersion(env: NodeJS.ProcessEnv = process.env): string {
  if (typeof __SIGNALFORGE_CODE_VERSION__ === 'string') return __SIGNALFORGE_CODE_VERSION__;
  return env.SIGNALFORGE_CODE_VERSION ?? UNSTAMPED_CODE_VERSION;
}
