import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../constructs/signalforge-function.js';

/** Folders shipped to the trainer instance, as TypeScript source (the trainer forks workers through tsx). */
export const TRAINER_SOURCE_DIRS = ['gpu-trainer', 'core'] as const;

/** The GPU build of tfjs, installed on the instance (it downloads libtensorflow with CUDA at install). */
export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Bare package names that the shipped source imports (statically or dynamically). */
export function importedPackages(dirs: readonly string[], root = repoRoot): string[] {
  const names = new Set<string>();
  const pattern = /(?:from\s+|import\s*\(\s*)'([^'.][^']*)'/g;
  for (const file of dirs.flatMap((d) => walk(join(root, d)))) {
    for (const match of readFileSync(file, 'utf8').matchAll(pattern)) {
      const spec = match[1]!;
      if (spec.startsWith('node:')) continue;
      const parts = spec.split('/');
      names.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
    }
  }
  return [...names].sort();
}

/**
 * package.json for the instance: exactly the packages the trainer imports, at the versions the
 * repository pins, plus tsx (to run the TypeScript source) and tfjs-node-gpu at the tfjs version.
 */
export function trainerPackageJson(root = repoRoot): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const known = { ...pkg.devDependencies, ...pkg.dependencies };
  const dependencies: Record<string, string> = {};
  for (const name of importedPackages(TRAINER_SOURCE_DIRS, root)) {
    if (name === TFJS_NODE_GPU) continue;
    const version = known[name];
    if (version) dependencies[name] = version;
  }
  dependencies.tsx = known.tsx!;
  dependencies[TFJS_NODE_GPU] = known['@tensorflow/tfjs'] ?? '^4.22.0';
  return {
    name: 'signalforge-gpu-trainer',
    private: true,
    type: 'module',
    scripts: { train: 'node --enable-source-maps --import tsx gpu-trainer/cli.ts' },
    dependencies,
  };
}

/**
 * CDK S3 asset with the trainer: gpu-trainer/ and core/ as source plus a package.json the instance
 * installs. Built by copying files locally, so synth needs no Docker and no network.
 */
export class TrainerBundle extends Construct {
  readonly asset: Asset;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.asset = new Asset(this, 'Asset', {
      path: join(repoRoot, 'gpu-trainer'),
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24-slim'),
        local: {
          tryBundle(outputDir: string): boolean {
            for (const dir of TRAINER_SOURCE_DIRS) cpSync(join(repoRoot, dir), join(outputDir, dir), { recursive: true, filter: (src) => !src.includes('node_modules') });
            cpSync(join(repoRoot, 'tsconfig.json'), join(outputDir, 'tsconfig.json'));
            writeFileSync(join(outputDir, 'package.json'), `${JSON.stringify(trainerPackageJson(), null, 2)}\n`);
            return true;
          },
        },
      },
    });
  }
}
