import type { SharedCircuitConfig } from '../shared/rule-config.js';
import type { CircuitStore } from '../shared/shared-circuit.js';
import { integerAtLeast, positiveNumber } from '../validate.js';
import { withinDeadline } from './deadline.js';
import { type CircuitReply, SCRIPTS, toReply } from './lua.js';
import { RedisCircuit } from './redis-circuit.js';
import { checkClient, type RedisClient, type RedisSubscriber } from './redis-client.js';

export interface RedisStoreOptions {
  /**
   * An ioredis `Redis` or `Cluster`, created with `enableOfflineQueue: false` (checked:
   * the queue would replay an outage's reports as a backlog). The store opens one more
   * connection from it, with `duplicate()`, for notices.
   */
  client: RedisClient;
  /** Prefix of the circuits' keys and of the notice channel. Default `bulwark:circuit`. */
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
  onError?: (error: unknown) => void;
}

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
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #timeoutMs: number;
  readonly #retryMs: number;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #circuits = new Map<string, Set<RedisCircuit>>();
  readonly #args = new WeakMap<RedisCircuit, { key: string; args: (string | number)[] }>();
  #subscriber: RedisSubscriber | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #online = true;
  #closed = false;

  constructor(options: RedisStoreOptions) {
    checkClient(options?.client);
    this.#client = options.client;
    this.#prefix = options.prefix ?? 'bulwark:circuit';
    if (typeof this.#prefix !== 'string')
      throw new TypeError('redisStore: prefix must be a string');
    this.#channel = `${this.#prefix}:notices`;
    this.#timeoutMs =
      options.timeoutMs === undefined
        ? 200
        : positiveNumber('redisStore.timeoutMs', options.timeoutMs);
    this.syncIntervalMs =
      options.syncIntervalMs === undefined
        ? 100
        : integerAtLeast('redisStore.syncIntervalMs', options.syncIntervalMs, 0);
    this.#retryMs =
      options.retryMs === undefined ? 1000 : positiveNumber('redisStore.retryMs', options.retryMs);
    if (options.onError !== undefined && typeof options.onError !== 'function') {
      throw new TypeError('redisStore: onError must be a function');
    }
    this.#onError = options.onError;
  }

  /** False from a failed Redis call until Redis answers again. */
  get online(): boolean {
    return this.#online;
  }

  join(name: string, config: SharedCircuitConfig, clock: () => number): RedisCircuit {
    if (this.#closed) throw new Error('redisStore: the store is closed');
    const circuit = new RedisCircuit(this, name, config, clock);
    this.#args.set(circuit, {
      key: `${this.#prefix}:{${name}}`,
      args: circuitArgs(config, this.#channel, name),
    });
    const named = this.#circuits.get(name) ?? new Set<RedisCircuit>();
    this.#circuits.set(name, named);
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
    const named = this.#circuits.get(circuit.name);
    named?.delete(circuit);
    if (named?.size === 0) this.#circuits.delete(circuit.name);
  }

  async run(
    script: keyof typeof SCRIPTS,
    circuit: RedisCircuit,
    extra: number[],
  ): Promise<CircuitReply> {
    if (!this.#online) throw new Error('redisStore: Redis is unavailable');
    const { key, args } = this.#args.get(circuit) as { key: string; args: (string | number)[] };
    try {
      const raw = await withinDeadline(
        SCRIPTS[script].run(this.#client, key, [...args, ...extra]),
        this.#timeoutMs,
      );
      return toReply(raw);
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
    if (this.#retryTimer) clearInterval(this.#retryTimer);
  }

  #failed(error: unknown): void {
    this.#onError?.(error);
    if (!this.#online) return;
    this.#online = false;
    for (const named of this.#circuits.values()) for (const circuit of named) circuit.goOffline();
    this.#retryTimer = setInterval(() => void this.#retry(), this.#retryMs).unref();
  }

  async #retry(): Promise<void> {
    try {
      await withinDeadline(this.#client.call('PING'), this.#timeoutMs);
    } catch {
      return;
    }
    if (this.#online || this.#closed) return;
    this.#online = true;
    clearInterval(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#resync();
  }

  /** One subscriber per store: notices carry the state, its age and the circuit's name. */
  #listen(): void {
    if (this.#subscriber) return;
    // The subscriber may queue its SUBSCRIBE until connected: that replays no reports.
    const queueing = { enableOfflineQueue: true };
    const subscriber = this.#client.isCluster
      ? this.#client.duplicate([], queueing)
      : this.#client.duplicate(queueing);
    this.#subscriber = subscriber;
    subscriber.on('message', (channel, message) => {
      if (channel !== this.#channel) return;
      const [state, age, ...rest] = message.split('|');
      const named = this.#circuits.get(rest.join('|'));
      if (!named) return;
      for (const circuit of named) circuit.notice(Number(state), Number(age));
    });
    // ioredis reconnects and resubscribes by itself; without a listener an 'error' event
    // would crash the process.
    subscriber.on('error', () => {});
    // Notices sent before the subscription took (or while it was lost) were missed: once
    // it is in place, every circuit asks for the fleet's state.
    subscriber.on('ready', () => this.#resync());
    subscriber.subscribe(this.#channel).then(
      () => this.#resync(),
      () => {},
    );
  }

  #resync(): void {
    if (!this.#online || this.#closed) return;
    for (const named of this.#circuits.values()) {
      for (const circuit of named) circuit.rejoin().catch(() => {});
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
