import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  exportLines,
  MissingPrerequisiteError,
  servicesEnv,
  startLocalServices,
  venvTool,
} from '../../../local/services/index.js';

describe('local services selection', () => {
  it('starts nothing and passes external endpoints through when both are set', async () => {
    const env = {
      KAFKA_BROKERS: 'b1:9092, b2:9092',
      AWS_ENDPOINT_URL: 'http://localhost:4566',
      AWS_ACCESS_KEY_ID: 'mine',
      AWS_REGION: 'eu-west-1',
    };
    const services = await startLocalServices({ env, log: () => {} });
    expect(services.kafkaBrokers).toEqual(['b1:9092', 'b2:9092']);
    expect(services.awsEndpointUrl).toBe('http://localhost:4566');
    expect(services.external).toEqual({ kafka: true, aws: true });
    expect(services.pids).toEqual([]);
    expect(services.runDir).toBeUndefined();
    // The caller's credentials and region are kept for LocalStack or a real account.
    expect(services.env).toEqual({
      KAFKA_BROKERS: 'b1:9092,b2:9092',
      AWS_ENDPOINT_URL: 'http://localhost:4566',
      SIGNALFORGE_ENV: 'local',
      AWS_REGION: 'eu-west-1',
    });
    await services.stop();
  });

  it('gives its own emulator a fixed region and dummy credentials', () => {
    const env = servicesEnv({
      env: { AWS_ACCESS_KEY_ID: 'real', AWS_REGION: 'eu-west-1' },
      kafkaBrokers: ['127.0.0.1:1'],
      awsEndpointUrl: 'http://127.0.0.1:2',
      startedMoto: true,
    });
    expect(env).toMatchObject({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      SIGNALFORGE_ENV: 'local',
    });
  });

  it('writes shell-safe export lines', () => {
    expect(exportLines({ A: "it's", B: 'x y' })).toBe(`export A='it'\\''s'\nexport B='x y'`);
  });

  it('fails before starting anything when Java or Python is missing, naming what to install', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'sf-prereq-'));
    try {
      const noJava = startLocalServices({
        env: { JAVA_HOME: '/nonexistent-jdk', AWS_ENDPOINT_URL: 'http://127.0.0.1:1', SIGNALFORGE_CACHE_DIR: cache },
        log: () => {},
      });
      await expect(noJava).rejects.toBeInstanceOf(MissingPrerequisiteError);
      await expect(noJava).rejects.toThrow(/Install a Java 17\+ runtime/);
      const noPython = startLocalServices({
        env: { KAFKA_BROKERS: '127.0.0.1:1', SIGNALFORGE_PYTHON: '/nonexistent/python3', SIGNALFORGE_CACHE_DIR: cache },
        log: () => {},
      });
      await expect(noPython).rejects.toThrow(/Python not found.*Install Python 3\.10\+/);
      expect(readdirSync(cache)).toEqual([]);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('finds checkov in its own venv and the other tools beside moto', () => {
    const env = { SIGNALFORGE_CACHE_DIR: '/tmp/sf-cache' };
    expect(venvTool('checkov', env)).toMatch(/^\/tmp\/sf-cache\/venvs\/checkov-[0-9a-f]{12}\/bin\/checkov$/);
    expect(venvTool('cfn-lint', env)).toMatch(/^\/tmp\/sf-cache\/venvs\/moto-[0-9a-f]{12}\/bin\/cfn-lint$/);
    expect(venvTool('moto_server', env)).toMatch(/\/venvs\/moto-[0-9a-f]{12}\/bin\/moto_server$/);
  });
});
