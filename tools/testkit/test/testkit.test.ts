import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ping, startRedis, startRedisCluster } from '../src/index.js';

const alive = (port: number) =>
  ping(port).then(
    () => true,
    () => false,
  );

async function waitUntilDead(port: number, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (!(await alive(port))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('startRedis', () => {
  it('runs a real server that stops and starts again on the same port', async () => {
    const server = await startRedis();
    const client = new Redis(server.port, '127.0.0.1', {
      maxRetriesPerRequest: 0,
      lazyConnect: true,
    });
    try {
      await client.connect();
      await client.set('k', 'v');
      expect(await client.get('k')).toBe('v');
      await server.stop();
      expect(await alive(server.port)).toBe(false);
      await server.start();
      expect(await alive(server.port)).toBe(true);
    } finally {
      client.disconnect();
      await server.close();
    }
    expect(await alive(server.port)).toBe(false);
  });

  it('fails with install instructions when redis-server is not on PATH', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startRedis()).rejects.toThrow(
        /redis-server was not found on PATH.*apt-get install redis-server/,
      );
    } finally {
      process.env.PATH = path;
    }
  });
});

describe('startRedisCluster', () => {
  it('runs three masters that a Cluster client spreads keys over', async () => {
    const cluster = await startRedisCluster();
    const client = new Cluster(cluster.nodes, { redisOptions: { maxRetriesPerRequest: 0 } });
    try {
      for (let i = 0; i < 60; i++) await client.set(`key:${i}`, String(i));
      expect(await client.get('key:42')).toBe('42');
      const sizes = await Promise.all(
        cluster.nodes.map(async (n) => {
          const node = new Redis(n.port, n.host);
          const size = await node.dbsize();
          node.disconnect();
          return size;
        }),
      );
      expect(sizes.filter((s) => s > 0).length).toBe(3);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(60);
    } finally {
      client.disconnect();
      await cluster.close();
    }
    for (const n of cluster.nodes) expect(await alive(n.port)).toBe(false);
  });
});

describe('no server outlives its runner', () => {
  // One process (no tsx wrapper in front of it), so the signal reaches the runner itself.
  const repoRoot = resolve(import.meta.dirname, '../../..');
  const script = `
    import { startRedis } from ${JSON.stringify(resolve(import.meta.dirname, '../src/index.ts'))};
    const server = await startRedis();
    console.log(server.port);
    setInterval(() => {}, 1000);
  `;

  it.each(['SIGINT', 'SIGKILL'] as const)(
    'a runner stopped by %s takes its server down',
    async (signal) => {
      const runner = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        {
          cwd: repoRoot,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      // A runner that dies before printing its port fails the test with its exit code
      // instead of leaving it waiting for a line that never comes.
      const line = await new Promise<string>((resolveLine, rejectLine) => {
        createInterface({ input: runner.stdout! }).once('line', resolveLine);
        runner.once('exit', (code, killedBy) =>
          rejectLine(new Error(`runner exited (${code ?? killedBy}) before printing its port`)),
        );
      });
      const port = Number(line);
      expect(await alive(port)).toBe(true);
      runner.kill(signal);
      expect(await waitUntilDead(port, 10_000)).toBe(true);
    },
    // Starting tsx and a server in a child is slow on a loaded two-core runner.
    90_000,
  );
});
