import { LAUNCH_DOC_TAG } from '../../lambdas/training/launchers/launch-doc.js';

/** Node.js release installed on trainer instances (the project's runtime). */
export const TRAINER_NODE_VERSION = '24.11.1';

/** Where the bundle keeps the pinned CUDA 11 / cuDNN 8 wheels for tfjs-node-gpu (one place for the pins). */
export const CUDA_REQUIREMENTS_PATH = 'requirements-cuda.txt';

export interface TrainerUserDataOptions {
  /** s3://bucket/key of the trainer bundle (zip). */
  readonly bundleS3Uri: string;
  readonly region: string;
  readonly envName: string;
  /** Minutes after boot at which the instance halts whatever happens (maxRunHours + grace). */
  readonly watchdogMinutes: number;
}

/**
 * Node that reads the launch document, writes the config file and prints the trainer flags
 * NUL-separated (flags may hold any character; bash reads them back with mapfile -d '').
 */
const PARSE_LAUNCH_DOC = [
  "const fs=require('fs');",
  "const d=JSON.parse(fs.readFileSync(process.argv[1],'utf8'));",
  "if(d.version!==1||!Array.isArray(d.args)||typeof d.config!=='object')throw new Error('unsupported launch document');",
  'fs.writeFileSync(process.argv[2],JSON.stringify(d.config));',
  "process.stdout.write(d.args.map((a)=>String(a)+'\\0').join(''));",
].join('');

/**
 * The whole bootstrap of a GPU trainer instance, as the launch template's user data (the launcher
 * never overrides it): it halts the instance on every exit path (EXIT trap, set first) and after a
 * boot-time watchdog, reports setup progress to S3 (`bootstrap-aN.json`, read by CheckTrainer), and
 * takes the per-run parameters from the launch document named by the instance's
 * `signalforge:launch-doc` tag. Paths and the IMDS endpoint are variables with defaults so a test
 * can run the exact script in a temp dir.
 */
export function trainerUserData(o: TrainerUserDataOptions): string {
  const node = TRAINER_NODE_VERSION;
  return `#!/bin/bash
# SignalForge GPU trainer bootstrap. The instance terminates on shutdown, so every exit halts it.
set -euo pipefail
trap 'rc=$?; set +e; sf_on_exit "$rc"; shutdown -h now' EXIT
shutdown -h +${o.watchdogMinutes} 'signalforge trainer: maximum lifetime reached' || echo 'could not schedule the watchdog halt'

SF_WORK_DIR="\${SF_WORK_DIR:-/opt/signalforge}"
SF_LOG_FILE="\${SF_LOG_FILE:-/var/log/signalforge-trainer.log}"
SF_IMDS="\${SF_IMDS:-http://169.254.169.254}"
SF_HEARTBEAT_SECONDS="\${SF_HEARTBEAT_SECONDS:-60}"
REGION='${o.region}'
BUNDLE_URI='${o.bundleS3Uri}'
PHASE=booted STATUS_URI='' INSTANCE_ID='' HEARTBEAT_PID=''

sf_status() {
  [ -n "$STATUS_URI" ] || return 0
  printf '{"phase":"%s","at":"%s","instanceId":"%s","detail":"%s"}\\n' "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$INSTANCE_ID" "\${2:-}" \\
    | aws s3 cp - "$STATUS_URI" --region "$REGION" --content-type application/json --only-show-errors || echo "could not write bootstrap status $1"
}
sf_phase() {
  PHASE="$1"
  echo "$1" > "$SF_WORK_DIR/.phase"
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) phase $1"
  sf_status "$1"
}
sf_on_exit() {
  [ -z "$HEARTBEAT_PID" ] || kill "$HEARTBEAT_PID" 2>/dev/null
  if [ "$1" -eq 0 ]; then sf_status exited 'exit 0'; else sf_status failed "$PHASE exit $1"; fi
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) bootstrap exits with $1 in phase $PHASE; halting"
}

mkdir -p "$SF_WORK_DIR" "$(dirname "$SF_LOG_FILE")"
exec >>"$SF_LOG_FILE" 2>&1
# cloud-init may run this without HOME; npm and pip need somewhere to cache.
export HOME="\${HOME:-/root}" npm_config_cache="$SF_WORK_DIR/npm-cache" PIP_CACHE_DIR="$SF_WORK_DIR/pip-cache"

TOKEN=$(curl -fsS -X PUT "$SF_IMDS/latest/api/token" -H 'X-aws-ec2-metadata-token-ttl-seconds: 21600')
imds() { curl -fsS -H "X-aws-ec2-metadata-token: $TOKEN" "$SF_IMDS/latest/meta-data/$1"; }
INSTANCE_ID=$(imds instance-id)
LAUNCH_URI=$(imds 'tags/instance/${LAUNCH_DOC_TAG}')
STATUS_URI="\${LAUNCH_URI/\\/launch-a/\\/bootstrap-a}"
sf_phase booted
( while sleep "$SF_HEARTBEAT_SECONDS"; do sf_status "$(cat "$SF_WORK_DIR/.phase")" heartbeat; done ) &
HEARTBEAT_PID=$!

sf_phase node
mkdir -p "$SF_WORK_DIR/node"
curl -fsSL -o "$SF_WORK_DIR/node.tar.xz" 'https://nodejs.org/dist/v${node}/node-v${node}-linux-x64.tar.xz'
tar -xJf "$SF_WORK_DIR/node.tar.xz" -C "$SF_WORK_DIR/node" --strip-components=1
export PATH="$SF_WORK_DIR/node/bin:$PATH"

sf_phase bundle
APP="$SF_WORK_DIR/app"
rm -rf "$APP" && mkdir -p "$APP"
aws s3 cp "$BUNDLE_URI" "$SF_WORK_DIR/trainer.zip" --region "$REGION" --only-show-errors
unzip -oq "$SF_WORK_DIR/trainer.zip" -d "$APP"

sf_phase cuda
python3 -m venv "$SF_WORK_DIR/cuda"
"$SF_WORK_DIR/cuda/bin/pip" install --quiet --no-deps --only-binary=:all: -r "$APP/${CUDA_REQUIREMENTS_PATH}"
shopt -s nullglob
CUDA_LIBS=("$SF_WORK_DIR"/cuda/lib/python3*/site-packages/nvidia/*/lib)
shopt -u nullglob
[ "\${#CUDA_LIBS[@]}" -gt 0 ] || { echo 'no CUDA libraries in the venv'; exit 3; }
LD_LIBRARY_PATH="$(IFS=:; echo "\${CUDA_LIBS[*]}")\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH

sf_phase packages
cd "$APP"
npm ci --omit=dev --no-audit --no-fund

sf_phase gpu-check
GPUS=$(nvidia-smi -L | grep -c '^GPU ')
echo "nvidia-smi lists $GPUS GPUs"

sf_phase launch-doc
RUN_DIR="$SF_WORK_DIR/run"
mkdir -p "$RUN_DIR"
aws s3 cp "$LAUNCH_URI" "$RUN_DIR/launch.json" --region "$REGION" --only-show-errors
node -e "${PARSE_LAUNCH_DOC}" "$RUN_DIR/launch.json" "$RUN_DIR/config.json" > "$RUN_DIR/args"
mapfile -d '' -t ARGS < "$RUN_DIR/args"

sf_phase training
export AWS_REGION="$REGION" SIGNALFORGE_ENV='${o.envName}' SIGNALFORGE_CONFIG_FILE="$RUN_DIR/config.json"
TRAINER_RC=0
npm run --silent train -- "\${ARGS[@]}" || TRAINER_RC=$?
echo "trainer exited with $TRAINER_RC"
exit "$TRAINER_RC"
`;
}
