import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readOnnxInitializers } from '../../../gpu-trainer/model/onnx.js';
import type { ModelKind } from '../../../gpu-trainer/model/spec.js';

export const ROOT = join(import.meta.dirname, '../../..');

/**
 * Every kind with one layer, and stacked (2 recurrent cells, one ONNX node each; 2 and 3 dense hidden layers; a
 * 2-block Transformer): the shapes the exporter and the data-parallel trainer must both get right.
 */
export const KIND_LAYER_CASES: readonly [ModelKind, number][] = [
  ['lstm', 1],
  ['gru', 1],
  ['dense', 1],
  ['transformer', 2],
  ['lstm', 2],
  ['gru', 2],
  ['dense', 2],
  ['dense', 3],
];

/** Starts the trainer CLI as its own process (what the orchestrator launches), collecting JSON log lines. */
export function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  onLine(cb: (l: Record<string, unknown>) => void): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'gpu-trainer/cli.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const listeners: ((l: Record<string, unknown>) => void)[] = [];
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      lines.push(parsed);
      for (const l of listeners) l(parsed);
    } catch {
      /* not a log line */
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      if (code && code !== 0) process.stderr.write(`trainer exited ${code}: ${stderr}\n`);
      resolve({ code, signal });
    }),
  );
  return { child, lines, onLine: (cb) => listeners.push(cb), exited };
}

export async function onnxWeights(path: string): Promise<Record<string, Float32Array>> {
  return readOnnxInitializers(new Uint8Array(await readFile(path)));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
