import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireBinary } from './binaries.js';
import { freePort } from './ports.js';
import { RedisProcess } from './redis-process.js';

const run = promisify(execFile);
const READY_DEADLINE_MS = 20_000;

export interface ClusterNode {
  host: '127.0.0.1';
  port: number;
}

export interface RedisCluster {
  /** The masters, for `new Cluster(nodes)`. */
  readonly nodes: ClusterNode[];
  /** Stops one node, keeping its port and slots, for a fault test. */
  stopNode(index: number): Promise<void>;
  startNode(index: number): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A real Redis Cluster of `masters` nodes (three by default, the smallest Redis accepts)
 * on loopback, slots spread by `redis-cli --cluster create`, no replicas.
 */
export async function startRedisCluster(options: { masters?: number } = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  if (!Number.isInteger(masters) || masters < 3) {
    throw new RangeError(
      `masters must be an integer >= 3 (Redis Cluster's minimum); got ${masters}`,
    );
  }
  const cli = requireBinary('redis-cli');
  const procs: RedisProcess[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort({ withClusterBus: true });
      const proc = new RedisProcess(port, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        '2000',
      ]);
      procs.push(proc);
      await proc.start();
    }
    const addresses = procs.map((p) => `127.0.0.1:${p.port}`);
    await run(cli, [
      '--cluster',
      'create',
      ...addresses,
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await Promise.all(procs.map((p) => waitForClusterOk(cli, p.port)));
  } catch (error) {
    await Promise.all(procs.map((p) => p.dispose()));
    throw error;
  }
  const close = async () => {
    await Promise.all(procs.map((p) => p.dispose()));
  };
  return {
    nodes: procs.map((p) => ({ host: '127.0.0.1', port: p.port })),
    stopNode: (i) => nodeAt(procs, i).stop(),
    startNode: async (i) => {
      await nodeAt(procs, i).start();
      await waitForClusterOk(cli, nodeAt(procs, i).port);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function nodeAt(procs: RedisProcess[], index: number): RedisProcess {
  const proc = procs[index];
  if (!proc) throw new RangeError(`index must be from 0 to ${procs.length - 1}; got ${index}`);
  return proc;
}

async function waitForClusterOk(cli: string, port: number): Promise<void> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    const { stdout } = await run(cli, ['-p', String(port), 'cluster', 'info']);
    if (stdout.includes('cluster_state:ok')) return;
    if (Date.now() > deadline) {
      throw new Error(
        `testkit: cluster node ${port} not ready after ${READY_DEADLINE_MS} ms:\n${stdout}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
