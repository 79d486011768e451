#!/usr/bin/env node
import { intArg, parseOrReport, runIfMain, UsageError, type CliIo } from '../../core/cli/index.js';
import {
  ConcurrentModificationError,
  InvalidTransitionError,
  ModelRegistry,
  NotFoundError,
  versionStatus,
  type ModelHead,
  type ModelVersion,
} from '../../core/registry/index.js';
import { operatorName, parseOperatorArgs } from '../operator.js';

export const REGISTRY_HELP = `signalforge registry: inspect and move model versions (DynamoDB registry)

Usage: npm run registry -- <command> [arguments] [options]

Commands
  list                          Every model: production, canary (weight) and latest version
  show <KEY>                    One model (e.g. AAPL#1h): aliases; per version its status, the gate's verdict
                                (Diebold-Mariano p-value, Holm-adjusted, net Sharpe vs naive, champion's loss
                                on the same window, reasons) and any approval; recent audit
  pending                       Every version waiting for manual approval, with its gate figures
  approve <KEY> <VERSION>       Approve a version waiting for manual approval (promotion.approval = manual)
  reject <KEY> <VERSION>        Reject a version waiting for manual approval; it stays registered
  promote <KEY> [VERSION]       Point production at VERSION (default: the current canary)
  rollback <KEY>                Move production back to the version it replaced (or --to VERSION)
  rollback <KEY> --canary       Withdraw the canary; production keeps serving

Options
  --reason <text>               Why (required for approve, reject, promote and rollback; kept in the audit trail)
  --who <name>                  Who (default: the OS user); --as is the same
  --to <version>                rollback: the production version to restore
  --canary                      rollback: withdraw the canary instead of moving production
  --table <name>                Registry table (default: $REGISTRY_TABLE)
  --json                        Machine-readable output
  --help                        Show this help

Every move is a conditional write on the model's head revision: if someone else moved an alias since
this command read it, the command fails (exit 1) instead of overwriting their change. Approve and reject
are conditional on the version still pending: of two reviewers, exactly one decides. A version the gate
rejected, or one still pending or rejected in review, cannot be made canary or production.
Exit codes: 0 done, 1 refused or failed, 2 usage error.`;

export interface RegistryCliIo extends CliIo {
  env?: NodeJS.ProcessEnv;
  /** Injected in tests; built from --table / REGISTRY_TABLE otherwise. */
  registry?: ModelRegistry;
}

const num = (x: number | null | undefined, digits = 3) =>
  x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits);

/** One version's lines for `show`: status, metrics, the gate's numbers and reasons, the approval. */
function describeVersion(v: ModelVersion): string[] {
  const lines = [
    `  v${v.version}  ${versionStatus(v)}  valMse ${v.metrics.valMse.toPrecision(4)}  run ${v.trainingRunId}  ${v.createdAt}${v.archivedAt ? '  (archived)' : ''}  ${v.artifactUri}`,
  ];
  const g = v.gate;
  if (g) {
    const dm = g.dm ? `DM p ${num(g.dm.pValue, 4)} (Holm ${num(g.dm.adjustedPValue, 4)}, n ${g.dm.samples})` : 'DM -';
    const champion = g.champion
      ? `champion v${g.champion.version} loss ${g.champion.loss.toPrecision(4)} vs ${g.champion.candidateLoss.toPrecision(4)} (${num(g.champion.improvement * 100, 2)}%) on ${g.champion.window.from}..${g.champion.window.to}`
      : 'no champion';
    const dsr = g.deflatedSharpe
      ? `deflated Sharpe P ${num(g.deflatedSharpe.probability)} over ${g.deflatedSharpe.trials} trials`
      : 'deflated Sharpe -';
    lines.push(
      `        gate ${g.verdict}: ${dm}; net Sharpe ${num(g.netSharpe, 2)} vs naive ${num(g.naiveNetSharpe, 2)}; ${dsr}; ${champion}; ${g.folds} folds`,
    );
    for (const reason of g.reasons) lines.push(`          - ${reason}`);
  }
  const a = v.approval;
  if (a)
    lines.push(
      `        approval ${a.state} (requested ${a.requestedAt}${a.decidedAt ? `, decided ${a.decidedAt} by ${a.who ?? '?'}: ${a.why ?? ''}` : ''})`,
    );
  return lines;
}

function describeHead(h: ModelHead): string {
  const prod = h.production ? `v${h.production.version}` : '-';
  const canary = h.canary ? `v${h.canary.version} @ ${(h.canary.weight * 100).toFixed(0)}%` : '-';
  return `${h.key.padEnd(12)} production ${prod.padEnd(6)} canary ${canary.padEnd(12)} latest v${h.latestVersion}`;
}

/** Runs one CLI invocation; returns the exit code. */
export async function runRegistryCli(argv: string[], io: RegistryCliIo): Promise<number> {
  const parsed = parseOrReport(
    () =>
      parseOperatorArgs(argv, {
        as: { type: 'string' },
        to: { type: 'string' },
        canary: { type: 'boolean', default: false },
        table: { type: 'string' },
      }),
    (message) => io.err(`${message}\n\n${REGISTRY_HELP}`),
  );
  if (!parsed) return 2;
  const { values, positionals } = parsed;
  const [command, key, versionArg] = positionals;
  if (values.help || !command) {
    (values.help ? io.out : io.err)(REGISTRY_HELP);
    return values.help ? 0 : 2;
  }
  const env = io.env ?? process.env;
  const usage = (message: string) => {
    io.err(`${message}\n\nRun with --help for usage.`);
    return 2;
  };
  const tableName = values.table ?? env.REGISTRY_TABLE;
  if (!io.registry && !tableName) return usage('no registry table: pass --table or set REGISTRY_TABLE');
  const registry = io.registry ?? new ModelRegistry({ tableName: tableName! });
  const actor = { who: operatorName(values.who ?? values.as, env), why: values.reason ?? '' };
  const print = (value: unknown, text: string) => io.out(values.json ? JSON.stringify(value, null, 2) : text);
  const needKey = () => (key ? undefined : usage(`${command} needs a model key such as AAPL#1h`));
  const needReason = () => (values.reason ? undefined : usage(`${command} needs --reason "<why>" for the audit trail`));
  const version = (raw: string | undefined, what: string) => intArg(what, raw, 1);

  try {
    switch (command) {
      case 'list': {
        const models = (await registry.listModels()).sort((a, b) => a.key.localeCompare(b.key));
        print(models, models.length ? models.map(describeHead).join('\n') : 'no models registered');
        return 0;
      }
      case 'show': {
        const missing = needKey();
        if (missing !== undefined) return missing;
        const head = await registry.getHead(key!);
        if (!head) throw new NotFoundError(`no model ${key} in the registry`);
        const [versions, audit] = await Promise.all([registry.listVersions(key!), registry.listAudit(key!, 20)]);
        const lines = [
          describeHead(head),
          '',
          'versions:',
          ...versions.flatMap(describeVersion),
          '',
          'audit (newest first):',
          ...audit.map((a) => `  ${a.at}  ${a.action.padEnd(9)} v${a.version}  by ${a.who}: ${a.why}`),
        ];
        print({ head, versions: versions.map((v) => ({ ...v, status: versionStatus(v) })), audit }, lines.join('\n'));
        return 0;
      }
      case 'pending': {
        const models = (await registry.listModels()).sort((a, b) => a.key.localeCompare(b.key));
        const pending = (await Promise.all(models.map((m) => registry.listVersions(m.key))))
          .flat()
          .filter((v) => versionStatus(v) === 'pending-approval');
        print(
          pending,
          pending.length
            ? pending.flatMap((v) => [`${v.key}`, ...describeVersion(v)]).join('\n')
            : 'nothing is waiting for approval',
        );
        return 0;
      }
      case 'approve':
      case 'reject': {
        const missing = needKey() ?? needReason();
        if (missing !== undefined) return missing;
        const v = version(versionArg, 'VERSION');
        if (v === undefined) return usage(`${command} needs a version: ${command} ${key} <VERSION> --reason "<why>"`);
        const decided =
          command === 'approve' ? await registry.approve(key!, v, actor) : await registry.reject(key!, v, actor);
        print(decided, `${key} v${v} ${decided.approval!.state} by ${actor.who}: ${actor.why}`);
        return 0;
      }
      case 'promote': {
        const missing = needKey() ?? needReason();
        if (missing !== undefined) return missing;
        const head = await registry.promote(key!, actor, { version: version(versionArg, 'VERSION') });
        print(head, `promoted: ${describeHead(head)}`);
        return 0;
      }
      case 'rollback': {
        const missing = needKey() ?? needReason();
        if (missing !== undefined) return missing;
        const head = await registry.rollback(
          key!,
          actor,
          values.canary ? { target: 'canary' } : { target: 'production', toVersion: version(values.to, '--to') },
        );
        print(head, `rolled back: ${describeHead(head)}`);
        return 0;
      }
      default:
        return usage(`unknown command ${command}`);
    }
  } catch (err) {
    if (err instanceof UsageError) return usage(err.message);
    if (
      err instanceof ConcurrentModificationError ||
      err instanceof InvalidTransitionError ||
      err instanceof NotFoundError
    ) {
      io.err(`refused: ${err.message}`);
      return 1;
    }
    io.err(`failed: ${(err as Error).message}`);
    return 1;
  }
}

await runIfMain(import.meta.url, runRegistryCli);
