import { freePort, isFree } from './ports.js';
import { RedisProcess } from './redis-process.js';

export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the process and keeps the port, for a fault test to `start()` it again. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and cleans up its files. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a real redis-server on a free loopback port, or on `port` when given (for code
 * that connects to a fixed port, such as ioredis's default 6379); a taken `port` is an
 * error, checked first so that a PING answered by the other server is never mistaken
 * for ours.
 */
export async function startRedis(options: { port?: number } = {}): Promise<RedisServer> {
  if (options.port !== undefined) {
    if (!(await isFree(options.port))) {
      throw new Error(`testkit: port ${options.port} is in use by another process`);
    }
    const proc = new RedisProcess(options.port);
    await proc.start().catch(async (error) => {
      await proc.dispose();
      throw error;
    });
    return serverHandle(proc);
  }
  let lastError: unknown;
  // A port found free can be taken before redis binds it; try a few.
  for (let attempt = 0; attempt < 5; attempt++) {
    const proc = new RedisProcess(await freePort());
    try {
      await proc.start();
      return serverHandle(proc);
    } catch (error) {
      lastError = error;
      await proc.dispose();
      if (!String(error).includes('Address already in use')) break;
    }
  }
  throw lastError;
}

function serverHandle(proc: RedisProcess): RedisServer {
  return {
    host: '127.0.0.1',
    port: proc.port,
    url: `redis://127.0.0.1:${proc.port}`,
    stop: () => proc.stop(),
    start: () => proc.start(),
    close: () => proc.dispose(),
    [Symbol.asyncDispose]: () => proc.dispose(),
  };
}
