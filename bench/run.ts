// `npm run bench [-- section ...]`: runs every bench/<section>.bench.ts (or the named ones) one after another,
// prints each section's figures and writes them all to bench/results/latest.json under the section name.
import { readdirSync, writeFileSync, mkdirSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type BenchFigures = Record<string, number | string | boolean | null | Record<string, unknown>>;
export interface BenchSection {
  /** Runs the benchmark and returns flat figures; comparisons carry both times and their ratio. */
  run(log: (line: string) => void): Promise<BenchFigures>;
}

const here = dirname(fileURLToPath(import.meta.url));
const resultsPath = join(here, 'results', 'latest.json');

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const sections = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.replace(/\.bench\.ts$/, ''))
    .filter((name) => wanted.length === 0 || wanted.includes(name))
    .sort();
  if (sections.length === 0) throw new Error(`no bench sections match ${wanted.join(', ')}`);
  mkdirSync(dirname(resultsPath), { recursive: true });
  // Keep sections not run this time, so `npm run bench -- ingest` refreshes one section only.
  const results: Record<string, unknown> = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, 'utf8')) : {};
  let failed = false;
  for (const name of sections) {
    const started = Date.now();
    process.stdout.write(`\n== bench ${name}\n`);
    try {
      const mod = (await import(pathToFileURL(join(here, `${name}.bench.ts`)).href)) as BenchSection;
      const figures = await mod.run((line) => process.stdout.write(`   ${line}\n`));
      results[name] = { ...figures, measured_at: new Date().toISOString(), wall_s: (Date.now() - started) / 1000 };
      for (const [k, v] of Object.entries(figures))
        process.stdout.write(`   ${k.padEnd(28)} ${typeof v === 'object' ? JSON.stringify(v) : v}\n`);
    } catch (err) {
      failed = true;
      results[name] = { error: (err as Error).message, measured_at: new Date().toISOString() };
      process.stdout.write(`   FAILED: ${(err as Error).stack ?? err}\n`);
    }
    writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  }
  process.stdout.write(`\nwrote ${resultsPath}\n`);
  process.exit(failed ? 1 : 0);
}

await main();
