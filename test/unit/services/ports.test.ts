import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { pickFreePort, pickFreePorts } from '../../../local/services/ports.js';

function bind(port: number): Promise<void> {
  return new Promise((resolveBind, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => server.close(() => resolveBind()));
  });
}

describe('free port picking', () => {
  it('returns a port that can be bound on loopback', async () => {
    const port = await pickFreePort();
    expect(port).toBeGreaterThan(1023);
    await bind(port);
  });

  it('returns distinct ports when asked for several', async () => {
    const ports = await pickFreePorts(4);
    expect(new Set(ports).size).toBe(4);
  });
});
