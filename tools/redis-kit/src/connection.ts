import type { RedisClient } from './client.js';

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
  client.on('end', () => own?.disconnect());
  connections.set(client, own);
  return own;
}

const connections = new WeakMap<RedisClient, RedisClient>();
