#!/usr/bin/env node
import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { awsClientConfig } from '../../core/aws/clients.js';
import { parseOrReport, runIfMain, UsageError, type CliIo } from '../../core/cli/index.js';
import { ConfigError, loadConfig, type SignalForgeConfig } from '../../core/config/index.js';
import { listQuarantine, PLAUSIBILITY_RULES, readQuarantineEntry } from '../../core/quality/index.js';
import { LexiconSentimentScorer } from '../../core/sentiment/index.js';
import { operatorName, parseOperatorArgs } from '../operator.js';
import { discardQuarantined, QuarantineNotFoundError, releaseQuarantined, type QuarantineOps } from './quarantine.js';

export const LAKE_HELP = `signalforge lake: operate on the data lake's quarantine

Usage: npm run lake -- quarantine <command> [arguments] [options]

Commands
  quarantine list                     Quarantined records: key, rule, symbol, event id and the rule's detail
  quarantine release <KEY>...         Put each record's original bytes back through the sink (plausibility rules
                                      off for it: you judged it); it lands exactly once, then leaves quarantine
  quarantine discard <KEY>...         Drop each record from quarantine; its audit entry keeps the bytes

Options
  --topic <topic>                     list: only this topic (market-data, financial-news, ...)
  --rule <rule>                       list: only this rule (${PLAUSIBILITY_RULES.join(', ')})
  --reason <text>                     Why (required for release and discard; kept in the audit entry)
  --who <name>                        Who (default: the OS user)
  --lake-bucket <name>                Lake bucket (default: $LAKE_BUCKET)
  --quarantine-bucket <name>          Bucket holding the quarantine (default: $DEAD_LETTER_BUCKET, else the lake bucket)
  --json                              Machine-readable output
  --help                              Show this help

Every release and discard writes an audit object under <quality.quarantinePrefix>/_audit/ (who, when, why,
the rule, the original bytes, the lake keys a release landed in).
Exit codes: 0 done, 1 refused or failed, 2 usage error.`;

export interface LakeCliIo extends CliIo {
  env?: NodeJS.ProcessEnv;
  /** Injected in tests; built from the env otherwise. */
  s3?: S3Client;
  config?: SignalForgeConfig;
}

/** One lake CLI invocation; returns the exit code. */
export async function runLakeCli(argv: string[], io: LakeCliIo): Promise<number> {
  const env = io.env ?? process.env;
  const parsed = parseOrReport(
    () =>
      parseOperatorArgs(argv, {
        topic: { type: 'string' },
        rule: { type: 'string' },
        'lake-bucket': { type: 'string' },
        'quarantine-bucket': { type: 'string' },
      }),
    (message) => io.err(`lake: ${message}\n\n${LAKE_HELP}`),
  );
  if (!parsed) return 2;
  const { values: o, positionals } = parsed;
  if (o.help || positionals.length === 0) {
    io.out(LAKE_HELP);
    return o.help ? 0 : 2;
  }
  const [area, command, ...keys] = positionals;
  try {
    if (area !== 'quarantine') throw new UsageError(`unknown area ${area} (only: quarantine)`);
    if (!command || !['list', 'release', 'discard'].includes(command))
      throw new UsageError(`unknown command ${command ?? '(none)'}`);
    if (o.rule && !(PLAUSIBILITY_RULES as readonly string[]).includes(o.rule))
      throw new UsageError(`unknown rule ${o.rule}`);
    if (command !== 'list' && keys.length === 0)
      throw new UsageError(`${command} needs at least one quarantine KEY (see list)`);
    if (command !== 'list' && !o.reason) throw new UsageError(`${command} needs --reason`);
    const lakeBucket = o['lake-bucket'] ?? env.LAKE_BUCKET;
    if (!lakeBucket) throw new UsageError('no lake bucket: pass --lake-bucket or set LAKE_BUCKET');
    const config = io.config ?? loadConfig({ env });
    const ops: QuarantineOps = {
      config,
      s3: io.s3 ?? new S3Client(awsClientConfig()),
      lakeBucket,
      quarantineBucket: o['quarantine-bucket'] ?? (env.DEAD_LETTER_BUCKET || lakeBucket),
      scorer: new LexiconSentimentScorer(),
      logger: new Logger({ serviceName: 'lake-cli', logLevel: 'ERROR' }),
    };
    if (command === 'list') return await list(ops, o.topic, o.rule, o.json, io);
    const who = operatorName(o.who, env);
    let failed = 0;
    for (const key of keys) {
      try {
        const { audit, auditKey } =
          command === 'release'
            ? await releaseQuarantined(ops, key, who, o.reason!)
            : await discardQuarantined(ops, key, who, o.reason!);
        if (o.json) io.out(JSON.stringify({ key, action: audit.action, auditKey, landedKeys: audit.landedKeys ?? [] }));
        else
          io.out(
            `${audit.action === 'release' ? 'released' : 'discarded'} ${key} (${audit.entry.rule}, ${audit.entry.symbol} ${audit.entry.eventId})${audit.landedKeys ? ` -> ${audit.landedKeys.join(', ')}` : ''}; audit ${auditKey}`,
          );
      } catch (err) {
        if (
          !(err instanceof QuarantineNotFoundError) &&
          !(err instanceof Error && /stays in quarantine/.test(err.message))
        )
          throw err;
        io.err(`lake: ${err.message}`);
        failed++;
      }
    }
    return failed ? 1 : 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.err(`lake: ${err.message}\n\n${LAKE_HELP}`);
      return 2;
    }
    throw err;
  }
}

async function list(
  ops: QuarantineOps,
  topic: string | undefined,
  rule: string | undefined,
  json: boolean,
  io: LakeCliIo,
): Promise<number> {
  const listed = await listQuarantine(ops.s3, ops.quarantineBucket, ops.config.quality.quarantinePrefix, topic);
  const entries = [];
  for (const l of listed) {
    const entry = await readQuarantineEntry(ops.s3, ops.quarantineBucket, l.key);
    if (entry && (!rule || entry.rule === rule)) entries.push({ key: l.key, entry });
  }
  if (json) {
    for (const { key, entry } of entries) {
      const { valueBase64: _bytes, keyBase64: _key, headers: _headers, ...summary } = entry;
      io.out(JSON.stringify({ key, ...summary }));
    }
    return 0;
  }
  if (entries.length === 0) {
    io.out('quarantine is empty');
    return 0;
  }
  for (const { key, entry } of entries)
    io.out(`${key}  ${entry.rule}  ${entry.symbol}  ${entry.eventId}  ${entry.quarantinedAt}\n    ${entry.detail}`);
  io.out(`${entries.length} quarantined`);
  return 0;
}

await runIfMain(import.meta.url, runLakeCli);
