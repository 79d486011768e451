import cliProgress from 'cli-progress';
import { codeVersion } from '../core/lineage/index.js';

export type LogFields = Record<string, unknown>;

/**
 * Structured JSON lines on stdout when it is not a terminal (CloudWatch, the orchestrator's log
 * tail, tests); a progress bar plus short messages when it is.
 */
export interface TrainerLog {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  progress(done: number, total: number, fields: LogFields): void;
  close(): void;
}

export function createLog(opts: {
  tty?: boolean;
  runId: string;
  write?: (line: string) => void;
  quiet?: boolean;
}): TrainerLog {
  const write = opts.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const tty = opts.tty ?? Boolean(process.stdout.isTTY);
  if (!tty) {
    // The Lambdas' Powertools shape (core/observability), so one query reads trainer and task logs alike.
    const base = { service: 'signalforge-trainer', codeVersion: codeVersion(), runId: opts.runId };
    const emit = (level: string, message: string, fields?: LogFields) =>
      write(
        JSON.stringify({
          level: level.toUpperCase(),
          message,
          timestamp: new Date().toISOString(),
          ...base,
          ...fields,
        }),
      );
    let lastDone = -1;
    return {
      info: (m, f) => !opts.quiet && emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      // Per-step progress is for the bar; as lines, only a change in configs done is worth one.
      progress: (done, total, f) => {
        if (opts.quiet || done === lastDone) return;
        lastDone = done;
        emit('info', 'progress', { configsDone: done, configsTotal: total, ...f });
      },
      close() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: 'training [{bar}] {value}/{total} configs | {detail}', hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const line = (level: string, msg: string, f?: LogFields) => {
    const text = `${level === 'info' ? '' : `${level.toUpperCase()} `}${msg}${f ? ` ${JSON.stringify(f)}` : ''}`;
    if (started) bar.update({ detail: text.slice(0, 100) });
    else write(text);
  };
  return {
    info: (m, f) => line('info', m, f),
    warn: (m, f) => line('warn', m, f),
    error: (m, f) => {
      if (started) bar.stop();
      started = false;
      write(`ERROR ${m}${f ? ` ${JSON.stringify(f)}` : ''}`);
    },
    progress(done, total, f) {
      if (!started) {
        bar.start(total, done, { detail: '' });
        started = true;
      }
      bar.update(done, {
        detail: Object.entries(f)
          .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`)
          .join(' '),
      });
    },
    close() {
      if (started) bar.stop();
    },
  };
}
