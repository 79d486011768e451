import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { DEFAULT_GPU_AMI_PARAMETER } from '../../../lib/training/spot-trainer.js';
import { errorName, type PreflightCheck } from '../types.js';

/** The check's row in the report. */
export const GPU_AMI = { id: 'gpu-ami', title: 'GPU AMI parameter' } as const;
const { id, title } = GPU_AMI;

/** The default AMI ships NVIDIA's open kernel driver, which supports Turing and newer only (docs/INFRA.md). */
const OPEN_DRIVER_AMI = /oss-nvidia-driver/;
/** V100 (Volta) types: p3 and p3dn. */
const VOLTA = /^p3[a-z]*\./;

/** The launch template resolves its image from this SSM parameter at deploy time; it must exist in the region. */
export const checkGpuAmi: PreflightCheck = async (clients, config) => {
  if (config.training.backend !== 'ec2')
    return { id, title, status: 'skip', detail: `training.backend is ${config.training.backend}` };
  const name = DEFAULT_GPU_AMI_PARAMETER;
  let value: string | undefined;
  try {
    value = (await clients.ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (err) {
    if (errorName(err) !== 'ParameterNotFound') throw err;
  }
  if (!value || !/^ami-[0-9a-f]+$/.test(value)) {
    return {
      id,
      title,
      status: 'fail',
      detail: `${name} ${value ? `holds ${JSON.stringify(value)}, not an AMI id` : 'is not published'} in ${clients.region}; the Training stack cannot resolve its image`,
      fix: `deploy to a region that publishes it (aws ssm get-parameter --name ${name} --region <region>), or build the TrainingStack with amiParameterName set to a GPU AMI parameter that exists here`,
    };
  }
  const volta = config.training.instanceTypes.filter((t) => VOLTA.test(t));
  if (OPEN_DRIVER_AMI.test(name) && volta.length > 0) {
    const first = VOLTA.test(config.training.instanceTypes[0]!);
    return {
      id,
      title,
      status: first ? 'fail' : 'warn',
      detail: `${name} = ${value}, but its open-source NVIDIA driver does not run V100 GPUs, and training.instanceTypes has ${volta.join(', ')}${first ? ' first' : ' as fallback'}`,
      fix: 'put a g5/g4dn type first in training.instanceTypes (and drop p3), or build the TrainingStack with amiParameterName set to an AMI with the proprietary driver',
    };
  }
  return { id, title, status: 'pass', detail: `${name} = ${value}` };
};
