import type { RedisClient, RedisSubscriber } from './client.js';

/**
 * The connection the packages send on: one per user client, opened from it with
 * `duplicate()` and ended when it ends, so it has the user's address, auth, TLS and
 * Cluster nodes, and the settings a fallback needs, whatever the user chose:
 *
 * - no offline queue: a command while disconnected is refused at once, never queued and
 *   replayed as a backlog when Redis returns (on a Cluster, the queue holds commands
 *   across a whole outage: 50 consumes timed out during one came back as 50 INCRs);
 * - no resend of unanswered commands after a reconnect, and no retries per request:
 *   a caller that was told "timed out" must not have its command run later, again.
 *
 * So users pass the client they already have, made with every default; nothing in
 * their own use of it changes.
 */
export function ownConnection(client: RedisClient): RedisClient {
  let own = connections.get(client);
  if (own) return own;
  const settings = {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
  };
  own = client.isCluster
    ? client.duplicate([], {
        enableOfflineQueue: false,
        redisOptions: {
          ...(client.options as { redisOptions?: object })?.redisOptions,
          ...settings,
        },
      })
    : client.duplicate(settings);
  // Errors surface on the calls; an 'error' event with no listener would end the process.
  own.on('error', () => {});
  holdNothing(own);
  const up = own;
  const first = new Promise<void>((resolve, reject) => {
    const ready = (): void => {
      up.off('close', closed);
      firstUp.delete(up);
      resolve();
    };
    const closed = (): void => {
      up.off('ready', ready);
      firstUp.delete(up);
      reject(new Error('the connection closed before it was first ready'));
    };
    up.on('ready', ready);
    up.on('close', closed);
  });
  first.catch(() => {});
  firstUp.set(own, first);
  let endedWithUser = false;
  client.on('end', () => {
    endedWithUser = true;
    endWhenSettled(own as RedisClient);
  });
  // A user who connects an ended client again gets the kit's connection back with it;
  // only then: a late 'ready' of a client being shut down must not reopen anything.
  client.on('ready', () => {
    if (!endedWithUser || client.status !== 'ready') return;
    endedWithUser = false;
    own?.connect().catch(() => {});
  });
  connections.set(client, own);
  return own;
}

const connections = new WeakMap<RedisClient, RedisClient>();
/** The kit's connections that have never been ready yet, and when they first are. */
const firstUp = new WeakMap<RedisClient, Promise<void>>();

/**
 * While the kit's connection is on its way up for the first time, when it is: a caller
 * whose own client is already ready should not be answered "unavailable" because the
 * kit's duplicate is a few ms behind. Undefined once it has been ready (or has failed).
 */
export function firstReady(own: RedisClient): Promise<void> | undefined {
  return firstUp.get(own);
}

/**
 * The kit's connections never keep a process alive by themselves: a call in flight is
 * held by its deadline timer (see `Deadlines`), and an idle connection is background, like
 * a sweep timer. Without this, a user who ends a Cluster client mid-connect (ioredis then
 * emits no 'end') would find the process held open by a connection they never made.
 * (A Cluster's pub/sub runs on a connection ioredis makes inside it, out of reach: that
 * one ends with the user's 'end' only.)
 */
export function holdNothing(connection: RedisClient | RedisSubscriber): void {
  const unref = (redis: { stream?: { unref?: () => void } }): void => redis.stream?.unref?.();
  const watch = (redis: Watchable): void => {
    redis.on('connect', () => unref(redis));
    unref(redis);
  };
  const c = connection as unknown as Watchable & { isCluster?: boolean };
  if (c.isCluster) c.on('+node', (node: Watchable) => watch(node));
  else watch(c);
}

type Watchable = {
  stream?: { unref?: () => void };
  on(event: string, listener: (...args: never[]) => void): unknown;
};

/**
 * Ends the kit's connection. One cut during its ready check makes ioredis take a fatal-error
 * path that leaves a 2 s timer holding the process, so a connection still on its way up is
 * ended the moment it is up, or has failed.
 */
function endWhenSettled(own: RedisClient): void {
  if (own.status !== 'connecting' && own.status !== 'connect') {
    own.disconnect();
    return;
  }
  const end = (): void => {
    own.off('ready', end);
    own.off('close', end);
    own.disconnect();
  };
  own.on('ready', end);
  own.on('close', end);
}
