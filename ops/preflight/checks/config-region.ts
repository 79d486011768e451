import type { PreflightCheck } from '../types.js';

/** The check's row in the report. */
export const CONFIG_REGION = { id: 'config-region', title: 'Config region' } as const;
const { id, title } = CONFIG_REGION;

/**
 * The stacks deploy to the CLI's region (CDK_DEFAULT_REGION) but trainers get config.region as
 * AWS_REGION (Training stack setup script, launchers), so the two must be the same region.
 */
export const checkConfigRegion: PreflightCheck = async (clients, config) => {
  if (config.region === clients.region)
    return { id, title, status: 'pass', detail: `config.region is ${config.region}` };
  const override = `'{"region":"${clients.region}"}'`;
  return {
    id,
    title,
    status: 'fail',
    detail: `config.region is ${config.region} but the deploy targets ${clients.region}: trainers would call AWS in ${config.region}`,
    fix: `deploy with the region in the config: npx cdk deploy --all -c config=${override} (and rerun preflight with --config ${override})`,
  };
};
