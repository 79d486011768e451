import { z } from 'zod';
import { HELP_FLAG, JSON_FLAG, parseCliArgs, UsageError } from '../../core/cli/index.js';

export const PREFLIGHT_HELP = `signalforge preflight: read-only checks of an AWS account before the first cdk deploy

Usage: npm run preflight -- --region <region> [options]

Options
  --region <region>   Region to check (required), e.g. us-east-1: the region you will deploy to
  --config <json>     Config overrides, the same JSON as cdk deploy -c config='...'
  --json              One JSON object instead of the table
  --help              Show this help

Checks: config region matches --region, CDK bootstrap stack and version, EC2 spot vCPU quotas for the training shards, the EC2 spot
service-linked role, the GPU AMI parameter, MSK Serverless in the region, the vendor secrets.
Nothing is created or changed; secret values are never read.
Exit codes: 0 no check failed (warnings allowed), 1 a check failed or the account could not be reached,
2 usage error.`;

/** AWS region ids: us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ... */
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

export const preflightArgsSchema = z.object({
  region: z
    .string({ error: 'is required, e.g. --region us-east-1' })
    .regex(REGION, 'is not an AWS region id such as us-east-1 or eu-central-1'),
  config: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      try {
        const value: unknown = JSON.parse(text);
        if (typeof value === 'object' && value !== null && !Array.isArray(value))
          return value as Record<string, unknown>;
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object, e.g. \'{"envName":"prod"}\'' });
      return z.NEVER;
    }),
  json: z.boolean().default(false),
  help: z.boolean().default(false),
});
export type PreflightArgs = z.output<typeof preflightArgsSchema>;

export { UsageError };

/** Parses argv; a UsageError names the offending option. `--help` skips validation of the rest. */
export function parsePreflightArgs(argv: string[]): PreflightArgs {
  const { values } = parseCliArgs({
    args: argv,
    options: { region: { type: 'string' }, config: { type: 'string' }, ...JSON_FLAG, ...HELP_FLAG },
  });
  if (values.help) return { region: '', json: false, help: true, config: undefined };
  const parsed = preflightArgsSchema.safeParse(values);
  if (!parsed.success) {
    const given = values as Record<string, unknown>;
    const issues = parsed.error.issues.map((i) => {
      const key = String(i.path[0]);
      return given[key] === undefined ? `--${key} ${i.message}` : `--${key} ${JSON.stringify(given[key])} ${i.message}`;
    });
    throw new UsageError(issues.join('; '));
  }
  return parsed.data;
}
