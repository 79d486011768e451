// A private single-node KRaft broker that can be stopped and started again on the same ports and data
// directory, i.e. a real broker restart. Built from local/services' pieces; the shared test broker is
// never restarted because other test files use it concurrently.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatKafkaStorage,
  installKafka,
  kafkaServerArgs,
  jvmOptions,
  renderLog4j2Properties,
  renderServerProperties,
  waitForKafkaReady,
} from '../../../local/services/kafka.js';
import { LOOPBACK, pickFreePorts } from '../../../local/services/ports.js';
import { requireJava } from '../../../local/services/prerequisites.js';
import { spawnSupervised, type SupervisedProcess } from '../../../local/services/supervised-process.js';

export interface RestartableBroker {
  brokers: string[];
  start(): Promise<void>;
  /** Graceful stop (SIGTERM, then SIGKILL after graceMs). */
  stop(graceMs?: number): Promise<void>;
  destroy(): Promise<void>;
}

export async function createRestartableBroker(): Promise<RestartableBroker> {
  const java = requireJava();
  const install = await installKafka({});
  const dir = mkdtempSync(join(tmpdir(), 'sf-restart-broker-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const log4j = join(dir, 'log4j2.properties');
  writeFileSync(log4j, renderLog4j2Properties(join(dir, 'server.log')));
  const [brokerPort, controllerPort] = await pickFreePorts(2);
  const props = join(dir, 'server.properties');
  writeFileSync(props, renderServerProperties({ brokerPort: brokerPort!, controllerPort: controllerPort!, dataDir }));
  await formatKafkaStorage(java, install, log4j, props);
  const brokers = [`${LOOPBACK}:${brokerPort}`];
  let proc: SupervisedProcess | undefined;
  const api: RestartableBroker = {
    brokers,
    async start() {
      proc = spawnSupervised({
        command: java,
        args: kafkaServerArgs(jvmOptions(384, log4j, dir), install, props),
        cwd: dir,
        env: process.env,
        logFile: join(dir, 'stdout.log'),
      });
      const running = proc;
      await waitForKafkaReady(brokers, { timeoutMs: 90_000, isDead: () => running.hasExited() });
    },
    async stop(graceMs = 15_000) {
      await proc?.stop(graceMs);
      proc = undefined;
    },
    async destroy() {
      await api.stop(2_000).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await api.start();
  return api;
}
