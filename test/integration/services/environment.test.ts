import { describe, expect, inject, it } from 'vitest';

// Test workers must see what the global setup exported, or no integration test can reach the services.
describe('integration test environment', () => {
  it('exposes the local services to test workers through process.env', async () => {
    expect(process.env.KAFKA_BROKERS).toMatch(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/);
    expect(process.env.AWS_ENDPOINT_URL).toMatch(/^https?:\/\//);
    expect(process.env.AWS_REGION).toBeTruthy();
    expect(process.env.SIGNALFORGE_ENV).toBe('local');
    const res = await fetch(new URL('/moto-api/', process.env.AWS_ENDPOINT_URL));
    expect(res.status).toBeLessThan(500);
  });

  it('provides the same variables through inject()', () => {
    const provided = inject('signalforgeServicesEnv');
    expect(Object.keys(provided)).toEqual(
      expect.arrayContaining(['KAFKA_BROKERS', 'AWS_ENDPOINT_URL', 'AWS_REGION', 'SIGNALFORGE_ENV']),
    );
    for (const [key, value] of Object.entries(provided)) expect(process.env[key]).toBe(value);
  });
});
