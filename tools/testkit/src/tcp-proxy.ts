import { connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy on loopback in front of one port, for partition tests. */
export interface TcpProxy {
  /** The port to connect to instead of the target's. */
  readonly port: number;
  /**
   * A partition: every connection through the proxy is cut and new ones are refused, while
   * the target keeps running for everyone else.
   */
  cut(): Promise<void>;
  /**
   * A hang: connections stay open but nothing passes either way until `restore()`, as
   * with a stalled network path (no reset, no error: only deadlines notice).
   */
  stall(): void;
  /** Lets connections through again (after `cut`, new ones; after `stall`, the held ones). */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port that forwards to `targetPort` on 127.0.0.1. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let stalled = false;
  const held: (() => void)[] = [];

  const onConnection = (client: Socket): void => {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk) => {
        if (!stalled) to.write(chunk);
        else held.push(() => to.write(chunk));
      });
    };
    forward(client, upstream);
    forward(upstream, client);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  };

  let server: Server = createServer(onConnection);
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  const port = await listen(0);
  const stopListening = (): Promise<void> =>
    new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));

  return {
    port,
    async cut() {
      await Promise.all([
        stopListening(),
        (async () => {
          for (const [a, b] of pairs) {
            a.destroy();
            b.destroy();
          }
          pairs.clear();
        })(),
      ]);
    },
    stall() {
      stalled = true;
    },
    async restore() {
      stalled = false;
      for (const write of held.splice(0)) write();
      if (!server.listening) {
        server = createServer(onConnection);
        await listen(port);
      }
    },
    async close() {
      stalled = false;
      held.length = 0;
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
      await stopListening();
    },
  };
}
