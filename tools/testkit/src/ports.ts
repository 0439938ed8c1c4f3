import { createServer } from 'node:net';

/** Redis Cluster talks to its peers on the client port + 10000. */
export const CLUSTER_BUS_OFFSET = 10_000;

/** Whether nothing listens on 127.0.0.1:port (a listen there succeeds). */
export function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A loopback port nothing listens on, and optionally its cluster bus port too. Ports are
 * drawn at random from a range below the kernel's ephemeral range, so two test files
 * starting servers at once rarely collide, and the caller retries when they do.
 */
export async function freePort(options: { withClusterBus?: boolean } = {}): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (!(await isFree(port))) continue;
    if (options.withClusterBus && !(await isFree(port + CLUSTER_BUS_OFFSET))) continue;
    return port;
  }
  throw new Error('testkit: no free loopback port found in 200 attempts');
}
