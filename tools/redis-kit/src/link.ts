import { monotonicClock } from '@bulwark/engine-kit';
import { checkClient, type RedisClient, type RedisSubscriber } from './client.js';
import { firstReady, holdNothing, ownConnection } from './connection.js';
import { type Deadlines, deadlinesOf } from './deadlines.js';
import { isRedisUnavailableError, RedisUnavailableError } from './errors.js';
import type { RedisScript } from './script.js';

type Arg = string | Buffer | number;

/**
 * How a package talks to Redis: every call through one link, which
 *
 * - sends on the kit's own connection from the user's client (`ownConnection`): no
 *   offline queue, no replays, whatever options the user's client has;
 * - sends nothing while that connection is not ready, answering `RedisUnavailableError`
 *   at once, so callers fall back instead of waiting; the one wait is for its first
 *   `ready`, within the call's deadline (a `lazyConnect` client is connected by the first
 *   call);
 * - answers connection failures as `RedisUnavailableError` (Redis's own error replies,
 *   such as a script error, pass through as they are);
 * - puts every call under the connection's one deadline keeper (`timeoutMs`);
 * - runs scripts by SHA with one EVAL on NOSCRIPT.
 */
export class RedisLink {
  /** The user's client, as given. */
  readonly userClient: RedisClient;
  /** The connection the link sends on. */
  readonly client: RedisClient;
  readonly timeoutMs: number;
  readonly #who: string;
  readonly #deadlines: Deadlines;

  constructor(who: string, client: unknown, timeoutMs: number) {
    this.userClient = checkClient(who, client);
    this.client = ownConnection(this.userClient);
    this.#who = who;
    this.timeoutMs = timeoutMs;
    this.#deadlines = deadlinesOf(this.client);
  }

  /** Whether a call now would be sent (the client is connected and ready). */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** Any command, replies as strings and numbers. */
  send(command: string, ...args: Arg[]): Promise<unknown> {
    if (!this.ready) return this.#whenFirstUp(command, () => this.client.call(command, ...args));
    return this.#within(this.client.call(command, ...args), command);
  }

  /** Any command, bulk replies as Buffers. */
  sendBuffer(command: string, ...args: Arg[]): Promise<unknown> {
    if (!this.ready) {
      return this.#whenFirstUp(command, () => this.client.callBuffer(command, ...args));
    }
    return this.#within(this.client.callBuffer(command, ...args), command);
  }

  /** Runs `script` on `keys` (all in one hash slot) under one deadline for the whole call. */
  run(
    script: RedisScript,
    keys: readonly (string | Buffer)[],
    args: readonly Arg[],
    buffers = false,
  ): Promise<unknown> {
    const call = buffers
      ? this.client.callBuffer.bind(this.client)
      : this.client.call.bind(this.client);
    const attempt = (): Promise<unknown> =>
      call('EVALSHA', script.sha, keys.length, ...keys, ...args).catch((error: unknown) => {
        if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
        return call('EVAL', script.source, keys.length, ...keys, ...args);
      });
    if (!this.ready) return this.#whenFirstUp('script', attempt);
    return this.#within(attempt(), 'script');
  }

  /**
   * A second connection for pub/sub. Its offline queue is on, whatever the client's: a
   * SUBSCRIBE may wait for the connection, and it replays no writes. ioredis subscribes
   * again by itself after a reconnect.
   */
  subscriber(): RedisSubscriber {
    const queueing = { enableOfflineQueue: true };
    const subscriber = this.userClient.isCluster
      ? this.userClient.duplicate([], queueing)
      : this.userClient.duplicate(queueing);
    // Connection errors are retried by ioredis and surface as 'close'; an 'error' event
    // with no listener would end the process.
    subscriber.on('error', () => {});
    // It lives no longer than the user's client, and holds no process open by itself.
    this.userClient.on('end', () => subscriber.disconnect());
    holdNothing(subscriber);
    return subscriber;
  }

  #within<T>(call: Promise<T>, command: string): Promise<T> {
    const what = this.#what(command);
    const answered = call.catch((error: unknown) => {
      throw isReplyError(error) || isRedisUnavailableError(error)
        ? error
        : new RedisUnavailableError(`${what}: ${(error as Error)?.message ?? error}`, {
            cause: error,
          });
    });
    return this.#deadlines.within(answered, this.timeoutMs, what);
  }

  /**
   * Not ready. While the kit's connection is on its way up for the first time (the process
   * has just started, or the user's client is a round trip ahead of it), the call waits for
   * it within its deadline: nothing has failed yet, and a program that makes a client and
   * calls at once works as it did with ioredis's offline queue. A `lazyConnect` client is
   * connected by this first call. Otherwise (an outage, or a first connection that
   * failed) the answer is "unavailable", at once: nothing is held to be sent later.
   */
  #whenFirstUp(command: string, send: () => Promise<unknown>): Promise<unknown> {
    const first = firstReady(this.client);
    if (!first) return this.#unavailable(command);
    if (this.client.status === 'wait') this.client.connect().catch(() => {});
    const givenUpAt = monotonicClock.now() + this.timeoutMs;
    const sent = first.then(
      // A caller already told "timed out" must not have its command sent after all.
      () => (monotonicClock.now() < givenUpAt ? send() : this.#unavailable(command)),
      () => this.#unavailable(command),
    );
    return this.#within(sent, command);
  }

  #unavailable(command: string): Promise<never> {
    const status = this.client.status;
    if (status === 'wait') this.client.connect().catch(() => {});
    return Promise.reject(
      new RedisUnavailableError(
        `${this.#what(command)}: Redis is not connected (client status "${status}")`,
      ),
    );
  }

  #what(command: string): string {
    return `${this.#who} ${command}`;
  }
}

/** An error Redis itself answered (ioredis `ReplyError`), as opposed to a lost connection. */
function isReplyError(error: unknown): boolean {
  return (error as Error)?.name === 'ReplyError';
}
