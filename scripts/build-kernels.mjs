#!/usr/bin/env node
// `node scripts/build-kernels.mjs [--check]`: compiles the trainer's WebAssembly kernels from their
// AssemblyScript source (gpu-trainer/model/kernel/*.as.ts) with the pinned assemblyscript package.
// The .wasm is committed beside its source so the trainer needs no compiler at run time;
// test/unit/trainer/kernel-build.test.ts rebuilds it and fails if the bytes differ (--check does the same here).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const KERNELS = [
  { source: 'gpu-trainer/model/kernel/recurrent.as.ts', output: 'gpu-trainer/model/kernel/recurrent.wasm' },
];

// SIMD is the point of the kernel (relaxed SIMD for its fused multiply-add: Node >= 22); no runtime (the kernel
// allocates nothing: the JS side lays out memory).
const FLAGS = ['-O3', '--runtime', 'stub', '--enable', 'simd', '--enable', 'relaxed-simd', '--noAssert', '--converge'];

/** The kernel's bytes as the pinned compiler builds them now. */
export async function buildKernel(kernel) {
  let binary;
  const stderr = [];
  const { error } = await asc.main([relative(root, join(root, kernel.source)), '--outFile', 'out.wasm', ...FLAGS], {
    readFile: (name, baseDir) => {
      try {
        return readFileSync(resolve(root, baseDir, name), 'utf8');
      } catch {
        return null;
      }
    },
    writeFile: (name, contents) => {
      if (name.endsWith('.wasm')) binary = contents;
    },
    listFiles: () => [],
    stderr: { write: (s) => stderr.push(String(s)) },
    stdout: { write: () => {} },
    baseDir: root,
  });
  if (error || !binary) throw new Error(`asc ${kernel.source}: ${error?.message ?? 'no output'}\n${stderr.join('')}`);
  return binary;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  for (const kernel of KERNELS) {
    const bytes = await buildKernel(kernel);
    const out = join(root, kernel.output);
    if (check) {
      const same = Buffer.compare(Buffer.from(bytes), readFileSync(out)) === 0;
      console.log(
        `${kernel.output}: ${same ? 'matches its source' : 'DIFFERS from its source (run node scripts/build-kernels.mjs)'}`,
      );
      if (!same) process.exitCode = 1;
    } else {
      writeFileSync(out, bytes);
      console.log(`${kernel.output}: ${bytes.length} bytes`);
    }
  }
}
