import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { buildSync } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { codeVersionBanner, gitCodeVersion } from '../code-version.js';
import { repoRoot } from '../constructs/signalforge-function.js';
import { CUDA_REQUIREMENTS_PATH } from './trainer-user-data.js';

/** The instance package: package.json, its committed lockfile and the CUDA wheel pins. */
export const INSTANCE_PACKAGE_DIR = 'gpu-trainer/instance';

/** The GPU build of tfjs, installed on the instance (it downloads libtensorflow with CUDA at install). */
export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';

/**
 * Left out of the JavaScript bundle and installed by `npm ci` from the lockfile: tfjs-node-gpu is
 * native, and it registers its backend on the tfjs-core it resolves, so @tensorflow/tfjs (and the
 * wasm backend) must be the installed packages too, not bundled copies.
 */
export const TRAINER_EXTERNALS = ['@tensorflow/*'] as const;

/** The trainer's entry points, bundled to dist/<name>.mjs (the coordinator forks dist/worker.mjs). */
export const TRAINER_ENTRIES = { cli: 'gpu-trainer/cli.ts', worker: 'gpu-trainer/worker.ts' } as const;

/**
 * WebAssembly kernels the bundle loads beside itself (recurrent-kernel.ts reads ./recurrent.wasm next to its module).
 */
export const TRAINER_WASM = ['gpu-trainer/model/kernel/recurrent.wasm'] as const;

const BANNER =
  "import { createRequire as __sfCreateRequire } from 'node:module'; const require = __sfCreateRequire(import.meta.url);";

/**
 * Writes the instance bundle into `outDir`: dist/cli.mjs and dist/worker.mjs (everything but
 * @tensorflow/* inlined, so the instance needs neither tsx nor the repository's dependencies) with the
 * trainer's .wasm kernels beside them,
 * package.json + package-lock.json (`npm ci` installs exactly the three tfjs packages) and the
 * CUDA requirements file.
 */
export function buildTrainerBundle(outDir: string, root = repoRoot, codeVersion = gitCodeVersion(root)): void {
  mkdirSync(join(outDir, 'dist'), { recursive: true });
  buildSync({
    entryPoints: Object.fromEntries(Object.entries(TRAINER_ENTRIES).map(([name, entry]) => [name, join(root, entry)])),
    outdir: join(outDir, 'dist'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    external: [...TRAINER_EXTERNALS],
    banner: { js: `${BANNER} ${codeVersionBanner(codeVersion)}` },
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'error',
  });
  for (const file of TRAINER_WASM) copyFileSync(join(root, file), join(outDir, 'dist', basename(file)));
  for (const file of ['package.json', 'package-lock.json'])
    copyFileSync(join(root, INSTANCE_PACKAGE_DIR, file), join(outDir, file));
  copyFileSync(join(root, INSTANCE_PACKAGE_DIR, 'requirements-cuda.txt'), join(outDir, CUDA_REQUIREMENTS_PATH));
}

/**
 * CDK S3 asset with the trainer bundle. Built locally with esbuild, so synth needs no Docker and no
 * network; the Docker image is only CDK's required fallback and is never used.
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
            buildTrainerBundle(outputDir);
            return true;
          },
        },
      },
    });
  }
}
