import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installOnce } from '../../local/services/install-lock.js';
import { cacheRoot, ensureDir, PROJECT_ROOT } from '../../local/services/paths.js';
import { requirePython } from '../../local/services/prerequisites.js';
import { captureCommand, runCommand } from '../../local/services/run-command.js';

/**
 * A project venv with PyTorch for the peer benchmarks, built once from requirements-torch.txt: the
 * pinned wheels are downloaded once into .cache/wheels/torch-peer and installed from there with
 * --no-deps and --no-index, so a second install (a rebuilt venv) downloads nothing.
 */
const here = dirname(fileURLToPath(import.meta.url));
const REQUIREMENTS = join(here, 'requirements-torch.txt');

function pins(): string[] {
  return readFileSync(REQUIREMENTS, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

const requirementsHash = () => createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');

export function torchVenvDir(): string {
  return join(cacheRoot(), 'venvs', `torch-peer-${requirementsHash().slice(0, 12)}`);
}

/** The venv's python, installing the venv first if it is not there (first use: ~2.4 GB of wheels). */
export async function torchPython(log: (line: string) => void): Promise<string> {
  const dir = torchVenvDir();
  const wheels = ensureDir(join(cacheRoot(), 'wheels', 'torch-peer'));
  ensureDir(join(cacheRoot(), 'venvs'));
  await installOnce(
    { file: join(dir, '.signalforge-complete'), fingerprint: requirementsHash(), lockDir: `${dir}.install.lock` },
    async () => {
      const started = Date.now();
      log(`installing PyTorch for the peer benchmark into ${dir} (first use only; wheels cached in ${wheels})...`);
      rmSync(dir, { recursive: true, force: true });
      const python = requirePython();
      await runCommand(python, ['-m', 'venv', dir], { cwd: PROJECT_ROOT });
      const pip = join(dir, 'bin', 'pip');
      const quiet = ['--quiet', '--disable-pip-version-check'];
      const install = ['install', ...quiet, '--no-deps', '--no-index', '--find-links', wheels, ...pins()];
      // From the wheel cache alone when it holds every pin; otherwise fetch what is missing first.
      if ((await captureCommand(pip, install, { cwd: PROJECT_ROOT })).code !== 0) {
        await runCommand(pip, ['download', ...quiet, '--no-deps', '--only-binary=:all:', '-d', wheels, ...pins()], {
          cwd: PROJECT_ROOT,
        });
        await runCommand(pip, install, { cwd: PROJECT_ROOT });
      }
      log(`PyTorch venv ready (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    },
    { onWait: (holder) => log(`waiting for another process (${holder}) installing the PyTorch venv...`) },
  );
  return join(dir, 'bin', 'python');
}

export interface PeerResult {
  peer: string;
  threads: number;
  batch: number;
  samples_per_s_median: number;
  samples_per_s_max: number;
}

/**
 * Runs a peer script (prints one JSON line) with `threads` and `batch`; rejects on a non-zero exit.
 * With `cpuTime` the script's timer (time.perf_counter) is swapped for the process's CPU time, so its
 * samples/s become samples per CPU-second: the figure that the other engineers' load does not move.
 */
export async function runPeer(
  python: string,
  script: string,
  threads: number,
  batch: number,
  cpuTime = false,
): Promise<PeerResult> {
  // One BLAS/OpenMP pool of exactly `threads`, whatever the environment says. Idle OpenMP threads sleep
  // instead of spinning: on this shared 2-core machine a spinning 2-thread pool measured ~20x slower
  // (135 samples/s) than one thread, which says nothing about PyTorch on a machine of its own.
  const env = {
    ...process.env,
    OMP_NUM_THREADS: String(threads),
    MKL_NUM_THREADS: String(threads),
    OMP_WAIT_POLICY: 'PASSIVE',
  };
  const args = cpuTime
    ? [
        '-c',
        `import time, runpy, sys\ntime.perf_counter = time.process_time\nsys.argv = ${JSON.stringify([script, String(threads), String(batch)])}\nrunpy.run_path(sys.argv[0], run_name='__main__')`,
      ]
    : [script, String(threads), String(batch)];
  const { code, output } = await captureCommand(python, args, { cwd: PROJECT_ROOT, env });
  const line = output.split('\n').find((l) => l.startsWith('{'));
  if (code !== 0 || !line) throw new Error(`peer ${script} exited ${code}:\n${output.slice(-2000)}`);
  return JSON.parse(line) as PeerResult;
}
