// Developer helper: `node --import tsx test/static/infra/dev-synth.ts` synthesizes the app, then prints
// timing, resource counts per stack and every cdk-nag acknowledgement (what docs/INFRA.md lists).
import { acknowledgedFindings } from '../../../lib/nag/acknowledge.js';
import { synthesizeApp } from './synthesize.js';
import { readTemplates } from './template-helpers.js';

try {
  const s = synthesizeApp();
  console.log('synth ms', Math.round(s.synthMs), 'outdir', s.outdir);
  for (const [stack, t] of Object.entries(readTemplates(s.outdir)))
    console.log(`resources ${stack} ${Object.keys(t.Resources).length}`);
  const seen = new Set<string>();
  for (const a of acknowledgedFindings()) {
    const key = `${a.id}|${a.reason}`;
    if (seen.has(key)) continue;
    seen.add(key);
    console.log(`ack ${a.stack} ${a.path.split('/').slice(1).join('/')} :: ${a.id} :: ${a.reason}`);
  }
  for (const u of s.nag.unusedAcknowledgements()) console.log(`UNUSED ack ${u.path} :: ${u.id}`);
} catch (e) {
  console.log(String((e as Error).message).slice(0, 30000));
}
