import { channel, tracingChannel } from 'node:diagnostics_channel';

/**
 * lru-cache publishes each call's status on these channels, and traces `fetch`; a
 * subscriber sees our `LRUCache` on the same names, so monitoring carries over too.
 */
export const metricsChannel = channel('lru-cache:metrics');
export const tracing = tracingChannel('lru-cache');

/** Whether anyone listens: then every call fills a status object even if none was passed. */
export function anyListener(): boolean {
  return metricsChannel.hasSubscribers || tracing.hasSubscribers;
}
