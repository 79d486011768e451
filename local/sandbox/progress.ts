import { SingleBar, Presets } from 'cli-progress';

/** One stage of the sandbox run: a bar on a terminal, plain timestamped lines otherwise (CI, pipes). */
export interface StageProgress {
  update(done: number, note?: string): void;
  total(total: number): void;
  done(summary: string): void;
  fail(error: unknown): void;
}

export interface ProgressReporter {
  stage(name: string, total?: number): StageProgress;
  info(line: string): void;
  readonly timings: Record<string, number>;
}

export function createProgressReporter(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  const interactive = Boolean(stream.isTTY) && !process.env.CI;
  const timings: Record<string, number> = {};
  const stamp = () => new Date().toISOString().slice(11, 19);
  return {
    timings,
    info(line) {
      stream.write(`[${stamp()}] ${line}\n`);
    },
    stage(name, initialTotal) {
      const started = Date.now();
      let total = initialTotal ?? 0;
      let lastLogged = 0;
      let bar: SingleBar | undefined;
      if (interactive && total > 0) {
        bar = new SingleBar(
          {
            format: `${name.padEnd(10)} [{bar}] {percentage}% {value}/{total} {note}`,
            stream,
            hideCursor: true,
            clearOnComplete: false,
          },
          Presets.shades_classic,
        );
        bar.start(total, 0, { note: '' });
      } else {
        stream.write(`[${stamp()}] ${name}: started\n`);
      }
      const finish = () => {
        timings[name] = (Date.now() - started) / 1000;
        bar?.stop();
      };
      return {
        total(next) {
          total = next;
          bar?.setTotal(next);
        },
        update(done, note = '') {
          if (bar) {
            bar.update(done, { note });
            return;
          }
          // Plain mode: at most one line every 2 s so CI logs stay readable.
          if (Date.now() - lastLogged < 2000) return;
          lastLogged = Date.now();
          stream.write(`[${stamp()}] ${name}: ${done}${total ? `/${total}` : ''} ${note}\n`);
        },
        done(summary) {
          finish();
          stream.write(`[${stamp()}] ${name}: done in ${timings[name]?.toFixed(1)} s, ${summary}\n`);
        },
        fail(error) {
          finish();
          stream.write(
            `[${stamp()}] ${name}: FAILED after ${timings[name]?.toFixed(1)} s: ${(error as Error)?.message ?? error}\n`,
          );
        },
      };
    },
  };
}
