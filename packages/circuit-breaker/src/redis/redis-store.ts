import {
  backgroundRepeat,
  losslessKey,
  nonNegativeInteger,
  optionsObject,
  positiveNumber,
  rejectUnknownOptions,
  stringOption,
  type Timer,
} from '@bulwark/engine-kit';
import {
  defaultPrefix,
  hashTag,
  type RedisClient,
  type RedisErrorListener,
  RedisLink,
  type RedisSubscriber,
  RedisUnavailableError,
  redisErrorListener,
  redisTimeoutMs,
  tell,
} from '@bulwark/redis-kit';
import type { SharedCircuitConfig } from '../circuit/rule-config.js';
import type { CircuitStore } from '../circuit/shared-circuit.js';
import { type CircuitReply, SCRIPTS, toReply } from './lua.js';
import { RedisCircuit } from './redis-circuit.js';

export interface RedisStoreOptions {
  /**
   * An ioredis `Redis` or `Cluster`, made with any options. The store sends on a
   * connection of its own made from it (no offline queue, so an outage's reports are
   * never replayed as a backlog), and opens one more with `duplicate()` for notices.
   */
  client: RedisClient;
  /** Prefix of the circuits' keys and of the notice channel. Default `bulwark:circuit-breaker:`. */
  prefix?: string;
  /**
   * How long a Redis call may take before the store counts Redis as down and every
   * breaker falls back to its own state, in ms. Default 200.
   */
  timeoutMs?: number;
  /**
   * How long successes may wait to be reported, in ms. Failures are reported at once.
   * Default 100: a busy breaker makes about ten reports a second. Cost: a failure rate is
   * judged on what the fleet reported, so successes up to this old are not yet in it.
   */
  syncIntervalMs?: number;
  /** While Redis is down, how often to try it again, in ms. Default 1000. */
  retryMs?: number;
  /** Called with each Redis error (the store has already fallen back). Default: none. */
  onRedisError?: (error: unknown) => void;
}

const KNOWN_OPTIONS = [
  'client',
  'prefix',
  'timeoutMs',
  'syncIntervalMs',
  'retryMs',
  'onRedisError',
];

const RULE_KIND: Record<SharedCircuitConfig['kind'], number> = {
  consecutive: 1,
  'rolling-percentage': 2,
  'time-window': 3,
};

/**
 * Circuits kept in Redis, shared by every breaker with the same name in any process that
 * uses the same Redis and prefix. See `redisStore`.
 */
export class RedisStore implements CircuitStore {
  readonly syncIntervalMs: number;
  readonly #link: RedisLink;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #retryMs: number;
  readonly #onRedisError: RedisErrorListener | undefined;
  readonly #circuits = new Map<string, Set<RedisCircuit>>();
  readonly #args = new WeakMap<RedisCircuit, { key: string; args: (string | number)[] }>();
  #subscriber: RedisSubscriber | undefined;
  #retryTimer: Timer | undefined;
  #online = true;
  #closed = false;

  constructor(options: RedisStoreOptions) {
    const o = optionsObject<RedisStoreOptions>('redisStore', options);
    if (typeof (o as { onError?: unknown }).onError === 'function') {
      throw new TypeError('redisStore: the Redis error listener is named onRedisError');
    }
    rejectUnknownOptions('redisStore', o, KNOWN_OPTIONS);
    this.#link = new RedisLink('redisStore', o.client, redisTimeoutMs('redisStore', o.timeoutMs));
    this.#prefix =
      o.prefix === undefined
        ? defaultPrefix('circuit-breaker')
        : stringOption('redisStore.prefix', o.prefix);
    this.#channel = `${this.#prefix}notices`;
    this.syncIntervalMs =
      o.syncIntervalMs === undefined
        ? 100
        : nonNegativeInteger('redisStore.syncIntervalMs', o.syncIntervalMs);
    this.#retryMs =
      o.retryMs === undefined ? 1000 : positiveNumber('redisStore.retryMs', o.retryMs);
    this.#onRedisError = redisErrorListener('redisStore', o.onRedisError);
  }

  /** Whether the store's own connection is up now (until it is, breakers run on their own state). */
  get ready(): boolean {
    return this.#link.ready;
  }

  /** The client the store was given. */
  get client(): RedisClient {
    return this.#link.userClient;
  }

  /** False from a failed Redis call until Redis answers again. */
  get online(): boolean {
    return this.#online;
  }

  join(name: string, config: SharedCircuitConfig, clock: () => number): RedisCircuit {
    if (this.#closed) throw new Error('redisStore: the store is closed');
    const circuit = new RedisCircuit(this, name, config, clock);
    this.#args.set(circuit, {
      key: `${this.#prefix}${hashTag(name)}`,
      // Notices carry the name through Lua as UTF-8: lossless, so it finds its circuits.
      args: circuitArgs(config, this.#channel, losslessKey(name)),
    });
    const named = this.#circuits.get(losslessKey(name)) ?? new Set<RedisCircuit>();
    this.#circuits.set(losslessKey(name), named);
    named.add(circuit);
    this.#listen();
    // Learn the fleet's state now, so a circuit that is open elsewhere rejects from the start.
    if (this.#online) {
      queueMicrotask(() => {
        circuit.rejoin().catch(() => {});
      });
    }
    return circuit;
  }

  leave(circuit: RedisCircuit): void {
    const named = this.#circuits.get(losslessKey(circuit.name));
    named?.delete(circuit);
    if (named?.size === 0) this.#circuits.delete(losslessKey(circuit.name));
  }

  async run(
    script: keyof typeof SCRIPTS,
    circuit: RedisCircuit,
    extra: number[],
  ): Promise<CircuitReply> {
    if (!this.#online) throw new RedisUnavailableError('redisStore: Redis is unavailable');
    const { key, args } = this.#args.get(circuit) as { key: string; args: (string | number)[] };
    try {
      const raw = await this.#link.run(SCRIPTS[script], [key], [...args, ...extra]);
      return toReply(raw as number[]);
    } catch (error) {
      this.#failed(error);
      throw error;
    }
  }

  /** Stops listening for notices and retrying; breakers keep their last state locally. */
  close(): void {
    this.#closed = true;
    this.#subscriber?.disconnect();
    this.#subscriber = undefined;
    this.#retryTimer?.cancel();
  }
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #failed(error: unknown): void {
    tell(this.#onRedisError, error);
    if (!this.#online) return;
    this.#online = false;
    for (const named of this.#circuits.values()) for (const circuit of named) circuit.goOffline();
    this.#retryTimer = backgroundRepeat(() => void this.#retry(), this.#retryMs);
  }

  async #retry(): Promise<void> {
    try {
      await this.#link.send('PING');
    } catch {
      return;
    }
    if (this.#online || this.#closed) return;
    this.#online = true;
    this.#retryTimer?.cancel();
    this.#retryTimer = undefined;
    // Redis may have restarted meanwhile: its versions start over.
    this.#resync(true);
  }

  /** One subscriber per store: notices carry the state, its age and the circuit's name. */
  #listen(): void {
    if (this.#subscriber) return;
    const subscriber = this.#link.subscriber();
    this.#subscriber = subscriber;
    subscriber.on('message', (channel, message) => {
      if (channel !== this.#channel) return;
      const [state, age, version, ...rest] = message.split('|');
      const named = this.#circuits.get(rest.join('|'));
      if (!named) return;
      for (const circuit of named) circuit.notice(Number(state), Number(age), Number(version));
    });
    // Notices sent before the subscription took (or while it was lost) were missed: once
    // it is in place, every circuit asks for the fleet's state. After a reconnect that is
    // when SUBSCRIBE has answered, not at 'ready': a notice sent between the two would be
    // missed by a claim made before it. (SUBSCRIBE again is harmless: ioredis resubscribes
    // too.) After a lost connection Redis may also have restarted: its versions start over.
    let lost = false;
    subscriber.on('close', () => {
      lost = true;
    });
    subscriber.on('ready', () => {
      if (!lost) return;
      lost = false;
      subscriber.subscribe(this.#channel).then(
        () => this.#resync(true),
        () => {},
      );
    });
    subscriber.subscribe(this.#channel).then(
      () => this.#resync(false),
      () => {},
    );
  }

  /** Every circuit asks for the fleet's state; `afresh` after Redis may have restarted. */
  #resync(afresh: boolean): void {
    if (!this.#online || this.#closed) return;
    for (const named of this.#circuits.values()) {
      for (const circuit of named) circuit.rejoin(afresh).catch(() => {});
    }
  }
}

/** ARGV[1..14] of every script: the circuit's rule and settings, the channel, the name. */
function circuitArgs(
  config: SharedCircuitConfig,
  channel: string,
  name: string,
): (string | number)[] {
  const kind = RULE_KIND[config.kind];
  const threshold =
    config.kind === 'consecutive'
      ? (config.threshold ?? 1)
      : config.kind === 'rolling-percentage'
        ? (config.errorThresholdPercentage ?? 50)
        : (config.failureRateThreshold ?? 0.5);
  const minimum =
    config.kind === 'rolling-percentage' ? (config.minimumFires ?? 0) : (config.minimumCalls ?? 0);
  return [
    kind,
    threshold,
    minimum,
    config.slowCallRateThreshold ?? 1,
    config.windowMs ?? 1000,
    config.buckets ?? 1,
    config.resetTimeoutMs,
    config.halfOpenProbes,
    config.strictHalfOpen ? 1 : 0,
    config.volumeThreshold,
    config.rollingCountTimeoutMs,
    config.rollingCountBuckets,
    channel,
    name,
  ];
}

/**
 * Keeps breakers' circuits in Redis (`new CircuitBreaker(action, { name, store })`), so
 * breakers with the same name share one circuit across processes and machines.
 */
export function redisStore(options: RedisStoreOptions): RedisStore {
  return new RedisStore(options);
}
