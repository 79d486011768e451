import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  jvmOptions,
  KAFKA_POM,
  newClusterId,
  readPomVersion,
  renderLog4j2Properties,
  renderServerProperties,
} from '../../../local/services/kafka.js';

function parseProperties(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as [string, string]),
  );
}

describe('Kafka broker configuration', () => {
  const props = parseProperties(
    renderServerProperties({ brokerPort: 41001, controllerPort: 41002, dataDir: '/tmp/x/data' }),
  );

  it('runs one combined broker+controller on loopback with the chosen ports', () => {
    expect(props.get('process.roles')).toBe('broker,controller');
    expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:41002');
    expect(props.get('listeners')).toBe('PLAINTEXT://127.0.0.1:41001,CONTROLLER://127.0.0.1:41002');
    expect(props.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:41001');
    expect(props.get('log.dirs')).toBe('/tmp/x/data');
  });

  it('needs explicit topic creation and replicates internal topics once', () => {
    expect(props.get('auto.create.topics.enable')).toBe('false');
    expect(props.get('offsets.topic.replication.factor')).toBe('1');
    expect(props.get('transaction.state.log.replication.factor')).toBe('1');
    expect(props.get('group.initial.rebalance.delay.ms')).toBe('0');
  });

  it('reads the pinned Kafka version from the pom', () => {
    const version = readPomVersion(readFileSync(KAFKA_POM, 'utf8'));
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(readPomVersion('<properties><kafka.version> 3.9.1 </kafka.version></properties>')).toBe('3.9.1');
    expect(() => readPomVersion('<project/>')).toThrow(/kafka\.version/);
  });

  it('makes cluster ids Kafka accepts: 16 random bytes in URL-safe base64', () => {
    // 2,000 draws: a leading '-' (which the storage tool's parser takes for an option) would show up ~31 times.
    const ids = new Set(Array.from({ length: 2000 }, () => newClusterId()));
    expect(ids.size).toBe(2000);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
  });

  it('logs to the given file and keeps the heap small', () => {
    expect(renderLog4j2Properties('/tmp/x/server.log')).toContain('appender.file.fileName = /tmp/x/server.log');
    const jvm = jvmOptions(384, '/tmp/x/log4j2.properties', '/tmp/x');
    expect(jvm).toContain('-Xmx384m');
    expect(jvm).toContain('-Dlog4j2.configurationFile=/tmp/x/log4j2.properties');
  });
});
