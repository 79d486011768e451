import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runRecordSchema } from '../../../core/artifacts/index.js';
import { maxAbsDiff, onnxWeights, startCli } from './helpers.js';

const KEY = 'MSFT#1d';
// Two trials (LSTM, then GRU) with input dropout, a dp group of 2 worker processes, checkpoints every 7 steps.
const TRAIN_ARGS = [
  '--dropout',
  '0.2',
  '--layers',
  '1',
  '--data',
  'synthetic:560:9',
  '--configs',
  KEY,
  '--epochs',
  '2',
  '--batch-size',
  '32',
  '--window',
  '10',
  '--hidden',
  '8',
  '--models',
  'lstm,gru',
  '--workers',
  '2',
  '--dp-size',
  '2',
  '--checkpoint-every',
  '7',
  '--seed',
  '4',
  '--log-every-steps',
  '1',
  '--patience',
  '10',
];

async function record(out: string, runId: string) {
  return runRecordSchema.parse(JSON.parse(await readFile(join(out, 'runs', runId, 'run.json'), 'utf8')));
}
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
/**
 * A long single-model run (200 epochs, no periodic checkpoint) that only an interruption ends early: whatever
 * checkpoint it writes, the interruption made.
 */
const longRunArgs = (model: 'lstm' | 'gru', out: string, runId: string) => [
  '--data',
  'synthetic:3000:2',
  '--configs',
  KEY,
  '--epochs',
  '200',
  '--batch-size',
  '32',
  '--window',
  '16',
  '--hidden',
  '16',
  '--models',
  model,
  '--checkpoint-every',
  '100000',
  '--log-every-steps',
  '1',
  '--out',
  out,
  '--run-id',
  runId,
];
const modelPath = (out: string, runId: string) => join(out, 'models', 'MSFT', '1d', runId, 'model.onnx');

describe('checkpoint and resume', () => {
  it('SIGKILL at a random step, then --resume, ends with weights identical to an uninterrupted run', async () => {
    const base = await mkdtemp(join(tmpdir(), 'sf-resume-'));
    const full = startCli([...TRAIN_ARGS, '--out', join(base, 'full'), '--run-id', 'full']);
    expect((await full.exited).code).toBe(0);
    const totalSteps = Math.max(...full.lines.filter((l) => l.message === 'step').map((l) => l.step as number));
    expect(totalSteps).toBeGreaterThan(30);

    const killAt = 8 + Math.floor(Math.random() * (totalSteps / 2));
    const out = join(base, 'killed');
    const victim = startCli([...TRAIN_ARGS, '--out', out, '--run-id', 'killed']);
    victim.onLine((l) => {
      if (l.message === 'step' && (l.step as number) >= killAt) victim.child.kill('SIGKILL');
    });
    expect((await victim.exited).signal).toBe('SIGKILL');
    // Its workers notice the closed IPC channel and exit: no orphans holding a GPU.
    const pids = victim.lines.find((l) => l.message === 'workers started')!.pids as number[];
    expect(pids).toHaveLength(2);
    await expect.poll(() => pids.filter(isAlive), { timeout: 10_000, interval: 100 }).toEqual([]);
    const killedRecord = await record(out, 'killed');
    expect(killedRecord.status).toBe('running'); // it really died mid-run

    const resumed = startCli([...TRAIN_ARGS, '--out', out, '--run-id', 'killed', '--resume']);
    expect((await resumed.exited).code).toBe(0);
    const resumedFrom = resumed.lines.find((l) => l.message === 'resuming config from checkpoint');
    expect(resumedFrom?.step as number).toBeGreaterThan(0);
    expect(resumedFrom?.step as number).toBeLessThanOrEqual(killAt + 1);
    const final = await record(out, 'killed');
    expect(final.status).toBe('succeeded');
    expect(final.attempt).toBe(2);

    const a = await onnxWeights(modelPath(join(base, 'full'), 'full'));
    const b = await onnxWeights(modelPath(out, 'killed'));
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    for (const name of Object.keys(a)) expect(maxAbsDiff(a[name]!, b[name]!), name).toBe(0);
    // The walk-forward fold fits resume exactly too: the same out-of-sample predictions and statistics.
    const metadata = async (dir: string, runId: string) =>
      JSON.parse(await readFile(join(dir, 'models', 'MSFT', '1d', runId, 'metadata.json'), 'utf8'));
    const evaluation = async (dir: string, runId: string) => (await metadata(dir, runId)).evaluation;
    // Every trial trained with the pinned input dropout (so the resumed fits redrew its masks exactly).
    const rows = (await metadata(out, 'killed')).search as { hyperparameters: { dropout?: number } }[];
    expect(rows.map((r) => r.hyperparameters.dropout)).toEqual(rows.map(() => 0.2));
    const [ea, eb] = [await evaluation(join(base, 'full'), 'full'), await evaluation(out, 'killed')];
    expect(ea.folds).toHaveLength(5);
    expect(eb.latestFold).toEqual(ea.latestFold);
    expect(eb.dieboldMariano).toEqual(ea.dieboldMariano);
    expect(eb.trialNetSharpes).toEqual(ea.trialNetSharpes);
  });

  it('a spot interruption notice on the (fake) IMDS gets a checkpoint within 5 s and a clean exit', async () => {
    let notice = false;
    let tokenRequests = 0;
    const server = createServer((req, res) => {
      if (
        req.method === 'PUT' &&
        req.url === '/latest/api/token' &&
        req.headers['x-aws-ec2-metadata-token-ttl-seconds']
      ) {
        tokenRequests++;
        res.end('fake-token');
      } else if (req.method === 'GET' && req.url === '/latest/meta-data/spot/instance-action') {
        if (req.headers['x-aws-ec2-metadata-token'] !== 'fake-token') res.writeHead(401).end();
        else if (!notice) res.writeHead(404).end();
        else
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ action: 'terminate', time: new Date(Date.now() + 120_000).toISOString() }));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const out = await mkdtemp(join(tmpdir(), 'sf-spot-'));
    try {
      const cli = startCli([
        ...longRunArgs('lstm', out, 'spot'),
        '--spot-watch',
        '--imds-endpoint',
        `http://127.0.0.1:${port}`,
        '--spot-poll-ms',
        '200',
      ]);
      let noticeAt = 0;
      let checkpointAt = 0;
      cli.onLine((l) => {
        if (l.message === 'step' && (l.step as number) >= 3 && !notice) {
          notice = true;
          noticeAt = Date.now();
        }
        if (l.message === 'checkpoint' && notice && !checkpointAt) checkpointAt = Date.now();
      });
      const exit = await cli.exited;
      expect(exit.code).toBe(0);
      expect(tokenRequests).toBeGreaterThan(0);
      expect(checkpointAt).toBeGreaterThan(0);
      expect(checkpointAt - noticeAt).toBeLessThan(5000);
      const rec = await record(out, 'spot');
      expect(rec.status).toBe('interrupted');
      expect(rec.finishedAt).toBeUndefined();
      expect((await stat(join(out, 'runs', 'spot', 'checkpoints', 'MSFT_1d.ckpt'))).size).toBeGreaterThan(1000);
    } finally {
      server.close();
    }
  });

  it('SIGTERM checkpoints and exits 0 with status interrupted', async () => {
    const out = await mkdtemp(join(tmpdir(), 'sf-term-'));
    const cli = startCli(longRunArgs('gru', out, 'term'));
    let sent = false;
    cli.onLine((l) => {
      if (l.message === 'step' && !sent) {
        sent = true;
        cli.child.kill('SIGTERM');
      }
    });
    expect((await cli.exited).code).toBe(0);
    expect(cli.lines.some((l) => l.message === 'checkpoint')).toBe(true);
    expect((await record(out, 'term')).status).toBe('interrupted');
  });
});
