import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/**
 * Ask the kernel for a free port by binding port 0. Another process can take it before our service
 * binds, so starters retry on a bind failure rather than trusting this blindly.
 */
export function pickFreePort(host: string = LOOPBACK): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolvePort(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** `count` distinct free ports (the kernel may hand the same one out twice once it is released). */
export async function pickFreePorts(count: number, host: string = LOOPBACK): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await pickFreePort(host));
  return [...ports];
}
