import { freePort } from './ports.js';
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

/** Starts a real redis-server on a free loopback port. */
export async function startRedis(): Promise<RedisServer> {
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
