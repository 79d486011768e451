import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../lib/constructs/signalforge-function.js';

/** Folders whose every sub-folder the table names on a line of its own: where a newcomer looks for code. */
const MAPPED_FOLDERS = ['core', 'lambdas', 'local', 'lib', 'ops', 'gpu-trainer'];

/** The backticked paths of the first column of docs/ARCHITECTURE.md's "Where each thing lives" table. */
function tablePaths(): string[] {
  const doc = readFileSync(join(repoRoot, 'docs/ARCHITECTURE.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith('Where each thing lives'));
  if (!section) throw new Error('docs/ARCHITECTURE.md has no "Where each thing lives" section');
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
}

/** Folders holding files git tracks (or would: untracked, not ignored), so build output and caches do not count. */
function folders(): Set<string> {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' });
  const out = new Set<string>();
  for (const file of files.split('\n').filter(Boolean)) {
    const parts = file.split('/');
    // Dot folders (.github, .ci) hold tooling settings, not code a newcomer changes.
    if (parts[0]!.startsWith('.')) continue;
    if (parts.length > 1) out.add(parts[0]!);
    if (parts.length > 2 && MAPPED_FOLDERS.includes(parts[0]!)) out.add(`${parts[0]}/${parts[1]}`);
  }
  return out;
}

describe('docs/ARCHITECTURE.md table', () => {
  const listed = tablePaths();

  it('names every top-level folder and every sub-folder of core, lambdas, local, lib, ops and gpu-trainer', () => {
    const missing = [...folders()].filter((folder) =>
      folder.includes('/') ? !listed.includes(folder) : !listed.some((p) => p === folder || p.startsWith(`${folder}/`)),
    );
    expect(missing, 'add a line to the table for each').toEqual([]);
  });

  it('lists nothing that no longer exists', () => {
    expect(listed.filter((path) => !existsSync(join(repoRoot, path)))).toEqual([]);
  });
});
