import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RetrainTaskName } from '../../lambdas/training/task-catalog.js';

/** Bump when the cached file's layout or the way the definition is derived changes. */
const CACHE_FORMAT = 1;

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The definition plus the fake-ARN -> task map, as cached. */
export interface CachedRetrainDefinition {
  definition: Record<string, unknown>;
  taskByArn: Record<string, RetrainTaskName>;
}

/** Where synthesised definitions are kept between runs. @default <repo>/.cache/stepfunctions */
export function definitionCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SIGNALFORGE_SFN_CACHE_DIR ?? join(REPO_ROOT, '.cache', 'stepfunctions');
}

// Entry points of everything the synthesised definition is derived from; their relative imports are followed.
const ROOTS = [
  'lib/training/retrain-state-machine.ts',
  'lib/training/retrain-state-machine-props.ts',
  'lambdas/training/task-catalog.ts',
  'local/stepfunctions/retrain-definition.ts',
];
const RELATIVE_IMPORT = /(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/**
 * The repo files whose contents key the cache: the retrain state machine construct, the task catalog,
 * the synthesis wrapper, and every local module they import (transitively), sorted. Following the
 * imports means an edit to a helper the construct uses (the Lambda construct, grants) also
 * invalidates the cache, not only an edit to the named files.
 */
export function retrainDefinitionSources(root = REPO_ROOT): string[] {
  const seen = new Set<string>();
  const queue = ROOTS.map((p) => join(root, p));
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(RELATIVE_IMPORT)) {
      const target = resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts'));
      queue.push(existsSync(target) ? target : target.replace(/\.ts$/, '/index.ts'));
    }
  }
  return [...seen].map((f) => relative(root, f)).sort();
}

/**
 * sha256 over the contents of every source file above and package-lock.json (the aws-cdk-lib version shapes the output
 * too).
 */
export function retrainSourcesDigest(root = REPO_ROOT): string {
  const hash = createHash('sha256');
  for (const file of [...retrainDefinitionSources(root), 'package-lock.json']) {
    const path = join(root, file);
    const bytes = existsSync(path) ? readFileSync(path) : Buffer.from('(missing)');
    hash.update(`file ${file} ${bytes.length}\n`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/** Cache key of the synthesised definition: sha256 over the config JSON and the sources digest. */
export function retrainDefinitionCacheKey(configJson: string, sourcesDigest = retrainSourcesDigest()): string {
  return createHash('sha256')
    .update(`format ${CACHE_FORMAT}\nsources ${sourcesDigest}\nconfig ${configJson}`)
    .digest('hex');
}

function cacheFile(dir: string, key: string): string {
  return join(dir, `retrain-${key}.json`);
}

/** The cached definition for this key, or undefined when there is none or it is unreadable. */
export function readCachedDefinition(dir: string, key: string): CachedRetrainDefinition | undefined {
  try {
    const parsed = JSON.parse(readFileSync(cacheFile(dir, key), 'utf8')) as Partial<CachedRetrainDefinition> & {
      key?: string;
    };
    if (
      parsed.key !== key ||
      typeof parsed.definition !== 'object' ||
      parsed.definition === null ||
      typeof parsed.taskByArn !== 'object' ||
      parsed.taskByArn === null
    )
      return undefined;
    // Touched on use, so pruning drops the entries no run reads any more.
    const now = new Date();
    utimesSync(cacheFile(dir, key), now, now);
    return { definition: parsed.definition, taskByArn: parsed.taskByArn };
  } catch {
    return undefined;
  }
}

/** Writes the cache entry atomically (temp file + rename), so a parallel reader never sees half a file. */
export function writeCachedDefinition(dir: string, key: string, value: CachedRetrainDefinition): void {
  mkdirSync(dir, { recursive: true });
  const target = cacheFile(dir, key);
  const temp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temp, JSON.stringify({ key, ...value }));
  renameSync(temp, target);
  pruneCache(dir);
}

/** Entries kept; every source edit adds one per config, so the oldest go. */
const KEEP_ENTRIES = 64;

function pruneCache(dir: string): void {
  try {
    const entries = readdirSync(dir)
      .filter((f) => /^retrain-[0-9a-f]{64}\.json$/.test(f))
      .map((f) => ({ file: join(dir, f), mtime: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const { file } of entries.slice(KEEP_ENTRIES)) rmSync(file, { force: true });
  } catch {
    // Another process pruning at the same time; nothing to do.
  }
}
