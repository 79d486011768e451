import { buildSync } from 'esbuild';
import {
  cpSync,
  existsSync,
  linkSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { codeVersionBanner, gitCodeVersion } from '../code-version.js';
import type { VendoredModule } from './signalforge-function-props.js';

/** What decides a bundle's content besides its entry. */
export interface BundleOptions {
  /** Bundle the AWS SDK v3 instead of importing the copy the nodejs24.x runtime ships. */
  readonly bundleAwsSdk: boolean;
  readonly vendoredModules: readonly VendoredModule[];
}

/** ESM bundles need a require shim for CommonJS dependencies such as kafkajs. */
const BANNER =
  "import { createRequire as __sfCreateRequire } from 'node:module'; const require = __sfCreateRequire(import.meta.url);";
const RUNTIME_SDK = '@aws-sdk/*';

/**
 * Optional peers that are not installed and never used, aliased to a module that throws on use.
 * avro-js: @aws-lambda-powertools/kafka's Avro deserializer imports it; SignalForge events are JSON.
 * Marking it external instead (as before) made esbuild hoist `import avro from "avro-js"` to the top
 * of the ESM bundle, so the sink would fail at init in Lambda with ERR_MODULE_NOT_FOUND.
 */
const UNUSED_OPTIONAL_PEERS = ['avro-js'];
const UNUSED_PEER_STUB = './lib/constructs/unused-optional-peer.ts';

/**
 * Builds Lambda bundles with esbuild's JS API, in-process, and hands out one directory per entry
 * for `Code.fromAsset`. Two things make synth fast: one esbuild call bundles every `*.handler.ts` in
 * the requested entry's folder (modules shared by the handlers are parsed once, and there is no
 * `npx esbuild` start-up per function), and a function that shares an entry and options with another
 * (four producers, four sinks) gets the same directory, hence the same asset.
 *
 * Output lives under `.cache/lambda-bundles/<run>/` at a fixed depth below the repository, so source
 * map paths (and with them asset hashes) are the same on every synth; CDK copies each directory into
 * cdk.out when the function is constructed, and the run folder is removed when the process exits.
 */
export class LambdaBundler {
  private readonly built = new Map<string, string>();
  private runDir: string | undefined;

  /** @param codeVersion stamped into every bundle (core/lineage reads it); the checkout's git commit by default. */
  constructor(
    private readonly repoRoot: string,
    readonly codeVersion: string = gitCodeVersion(repoRoot),
  ) {}

  /** Directory holding `index.mjs` (+ map and vendored node_modules) for `entry` (repository-relative). */
  bundleDir(entry: string, options: BundleOptions): string {
    const group = groupKey(options);
    const key = `${group}:${resolve(this.repoRoot, entry)}`;
    const hit = this.built.get(key);
    if (hit) return hit;
    this.buildFolder(entry, options, group);
    const dir = this.built.get(key);
    if (!dir) throw new Error(`LambdaBundler: ${entry} was not produced by esbuild`);
    return dir;
  }

  /**
   * `bundleDir` plus `files` (name -> content), e.g. the deployed config, as a directory of its own: one
   * per distinct content, so functions sharing an entry, options and files still share one asset. The
   * bundle's files are hard-linked (the onnxruntime binary alone is ~20 MB) into a sibling folder at
   * the same depth, so the relative source paths in the maps stay valid.
   */
  withFiles(bundleDir: string, files: Record<string, string>): string {
    const digest = createHash('sha256')
      .update(JSON.stringify(Object.entries(files).sort(([a], [b]) => a.localeCompare(b))))
      .digest('hex')
      .slice(0, 12);
    const dir = join(`${dirname(bundleDir)}-${digest}`, basename(bundleDir));
    if (!existsSync(dir)) {
      linkTree(bundleDir, dir);
      for (const [name, content] of Object.entries(files)) {
        // Never write through a hard link into the shared bundle.
        rmSync(join(dir, name), { force: true });
        writeFileSync(join(dir, name), content);
      }
    }
    return dir;
  }

  /**
   * An empty directory, for stacks whose bundling CDK skips (`cdk deploy OtherStack`, or the context
   * `aws:cdk:bundling-stacks: []` that tools synthesising only a definition use).
   */
  placeholderDir(): string {
    // Shared and kept (it is empty): such syntheses then leave no per-process folder behind.
    const dir = join(this.repoRoot, '.cache', 'lambda-bundles', 'skipped-placeholder');
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  private buildFolder(entry: string, options: BundleOptions, group: string): void {
    const absolute = resolve(this.repoRoot, entry);
    if (!existsSync(absolute)) throw new Error(`Lambda entry ${entry} does not exist`);
    const folder = dirname(absolute);
    const siblings = readdirSync(folder)
      .filter((n) => n.endsWith('.handler.ts'))
      .map((n) => join(folder, n))
      .filter((p) => !this.built.has(`${group}:${p}`));
    const entries = [...new Set([absolute, ...siblings])];
    const outdir = join(this.ensureRunDir(), group);
    const name = (p: string) =>
      `${relative(this.repoRoot, dirname(p)).replace(/[\\/]/g, '-')}-${basename(p, '.ts').replace(/\./g, '-')}`;
    // The flags NodejsFunction passed to the esbuild CLI before, so the bundles are what they were.
    const result = buildSync({
      entryPoints: entries.map((p) => ({ in: p, out: `${name(p)}/index` })),
      outdir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      minify: true,
      // Maps point at repository paths without embedding the sources: a third of the size, and stack
      // traces still resolve to file:line (NODE_OPTIONS=--enable-source-maps).
      sourcemap: true,
      sourcesContent: false,
      banner: { js: `${BANNER} ${codeVersionBanner(this.codeVersion)}` },
      external: [...options.vendoredModules.map((m) => m.name), ...(options.bundleAwsSdk ? [] : [RUNTIME_SDK])],
      // Resolved from absWorkingDir (the repository root).
      alias: Object.fromEntries(UNUSED_OPTIONAL_PEERS.map((name) => [name, UNUSED_PEER_STUB])),
      logLevel: 'error',
      absWorkingDir: this.repoRoot,
    });
    if (result.errors.length > 0)
      throw new Error(`esbuild failed for ${entry}: ${result.errors.map((e) => e.text).join('; ')}`);
    for (const p of entries) {
      const dir = join(outdir, name(p));
      copyVendored(this.repoRoot, options.vendoredModules, dir);
      this.built.set(`${group}:${p}`, dir);
    }
  }

  private ensureRunDir(): string {
    if (!this.runDir) {
      const parent = join(this.repoRoot, '.cache', 'lambda-bundles');
      removeAbandonedRuns(parent);
      const dir = join(parent, `${process.pid}-${Date.now().toString(36)}-${(runDirs++).toString(36)}`);
      mkdirSync(dir, { recursive: true });
      // Not reached when the process is killed (a test runner stopping its workers); the next run cleans up.
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      this.runDir = dir;
    }
    return this.runDir;
  }
}

/** Bundlers started by this process, so two in the same millisecond get folders of their own. */
let runDirs = 0;

/** Run folders of processes that are gone (killed before their exit hook ran). */
function removeAbandonedRuns(parent: string): void {
  if (!existsSync(parent)) return;
  for (const name of readdirSync(parent)) {
    const pid = Number(name.split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function groupKey(options: BundleOptions): string {
  const id = JSON.stringify({ sdk: options.bundleAwsSdk, vendored: options.vendoredModules });
  return `${options.bundleAwsSdk ? 'sdk' : 'runtime-sdk'}-${createHash('sha256').update(id).digest('hex').slice(0, 8)}`;
}

/** Mirrors `from` into `to` with hard links (copies where the filesystem cannot link). */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    const dst = join(to, name);
    if (statSync(src).isDirectory()) linkTree(src, dst);
    else {
      try {
        linkSync(src, dst);
      } catch {
        copyFileSync(src, dst);
      }
    }
  }
}

/** Copies only the listed parts of each vendored package (e.g. one platform's native binary). */
function copyVendored(repoRoot: string, modules: readonly VendoredModule[], outDir: string): void {
  for (const m of modules) {
    for (const p of m.paths) {
      const to = join(outDir, 'node_modules', m.name, p);
      mkdirSync(dirname(to), { recursive: true });
      cpSync(join(repoRoot, 'node_modules', m.name, p), to, { recursive: true });
    }
  }
}
