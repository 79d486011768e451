import { execFileSync } from 'node:child_process';

/**
 * The bundle banner line that stamps a bundle with its code version (read by core/lineage/code-version.ts). A
 * banner rather than an esbuild `define`: a define lands only in bundles whose code reads it, the stamp in every one.
 */
export function codeVersionBanner(version: string): string {
  return `const __SIGNALFORGE_CODE_VERSION__ = ${JSON.stringify(version)};`;
}

function git(root: string, args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

/**
 * `<commit>` or `<commit>-dirty` (uncommitted changes to tracked or unignored files) of the checkout at `root`.
 * SIGNALFORGE_CODE_VERSION wins, for builds from a tree without .git (CI passes its commit); a tree that has
 * neither gives `unknown`, never a made-up version.
 */
export function gitCodeVersion(root: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.SIGNALFORGE_CODE_VERSION) return env.SIGNALFORGE_CODE_VERSION;
  try {
    const commit = git(root, ['rev-parse', 'HEAD']);
    const dirty = git(root, ['status', '--porcelain']).length > 0;
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return 'unknown';
  }
}
