import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  backgroundRepeat,
  backgroundTimer,
  describeValue,
  type EngineName,
  type Timer,
} from '@bulwark/engine-kit';
import type { IBreaker } from 'cockatiel';
import { RollingPercentageBreaker } from './breakers/rolling-percentage.js';
import type { BulwarkBreaker } from './breakers/types.js';
import { JsCircuit } from './circuit/js-circuit.js';
import { NativeCircuit } from './circuit/native-circuit.js';
import { type SharedCircuitConfig, sharedRuleConfig } from './circuit/rule-config.js';
import {
  type CircuitStore,
  CLOSED,
  HALF_OPEN,
  type LocalCircuit,
  NORMAL,
  OPEN,
  REJECTED,
  type RemoteCircuit,
  type SharedCircuit,
  UNREPORTED_SUCCESS,
  unpackAdmission,
  unpackState,
} from './circuit/shared-circuit.js';
import { type Deadline, DeadlineQueue } from './deadline-queue.js';
import {
  brandAs,
  CircuitTimeoutError,
  isOurError,
  OPEN_MESSAGE,
  OpenCircuitError,
  SEMAPHORE_MESSAGE,
  SemaphoreLockedError,
  ShutdownError,
} from './errors.js';
import { type NativeBinding, nativeBinding, resolveBreakerEngine } from './native-binding.js';
import {
  type CircuitBreakerOptions,
  type CircuitSnapshotState,
  optionsView,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';
import type { CacheTransport, MemoryCache } from './response-cache.js';
import { Semaphore } from './semaphore.js';
import { FIELD, type Stats, Status, type StatusOptions } from './status.js';

/** Beyond the circuit's states: the breaker was shut down. */
const SHUTDOWN = 3;
type State = typeof CLOSED | typeof OPEN | typeof HALF_OPEN | typeof SHUTDOWN;

type Action<TI extends unknown[], TR> = (...args: TI) => Promise<TR> | TR;

/**
 * An opossum 8 compatible circuit breaker: the same constructor, options, methods,
 * properties, events and error codes, so code written for opossum switches by changing
 * its import. The rule that opens the circuit is a cockatiel `IBreaker` (opossum's
 * rolling percentage by default). Where it differs from opossum (constant memory
 * statistics, one timer per breaker, only probes decide a half-open circuit) the
 * README's migration section says why.
 */
export class CircuitBreaker<TI extends unknown[] = unknown[], TR = unknown> extends EventEmitter {
  /** True for errors the breaker itself raised (open, timeout, semaphore, shutdown). */
  static isOurError(error: unknown): boolean {
    return isOurError(error);
  }

  /** A Status to pass as `options.status`, e.g. with stats saved from another breaker. */
  static newStatus(options: StatusOptions): Status {
    return new Status(options);
  }

  /** The options as opossum reads them back: given values, defaults written in (frozen). */
  readonly options: Readonly<ResolvedOptions<TI>>;
  /** The options as the breaker uses them (opossum's stand-ins for 0 applied). */
  readonly #o: ResolvedOptions<TI>;
  readonly action: (...args: TI) => Promise<TR> | TR;

  readonly #name: string;
  readonly #group: string;
  readonly #clock: () => number;
  readonly #status: Status;
  readonly #breaker: IBreaker & Partial<BulwarkBreaker>;
  readonly #volumeThreshold: number;
  readonly #deadlines: DeadlineQueue | undefined;
  readonly #coalesceCache: MemoryCache | undefined;
  /** The controller calls' signals come from; renewed on half-open with autoRenewAbortController. */
  #abortController: AbortController | undefined;
  /**
   * The circuit that decides admission and transitions: the js engine's (`#local`), the
   * native twin's (shared by name across threads), or one in a store (Redis) while it
   * answers. This object mirrors its state in `#state` and emits the events.
   */
  #circuit: SharedCircuit;
  /**
   * The circuit of this breaker's engine: js (this object's own) or native (shared by name
   * with every worker thread). It decides, or, for a breaker on a store, stands in while
   * the store is away, fed every outcome all along.
   */
  #local: LocalCircuit;
  /** `#local` when it is the js engine's: its own reset timer is then the authority. */
  #js: JsCircuit | undefined;
  /** Set when the circuit lives in a store (Redis). */
  #remote: RemoteCircuit | undefined;
  /** Where this breaker's circuit lives: `js` (this object) or `native` (shared by name). */
  readonly engine: EngineName;
  #state: State = CLOSED;
  #enabled: boolean;
  #warmUp: boolean;
  #fallback: ((...args: any[]) => unknown) | undefined;
  /** `capacity`'s slots: one taken by each call running, as opossum's `semaphore`. */
  readonly #semaphore: Semaphore;
  /** When the circuit last opened, as the circuit said (ms, the breaker's clock). */
  #openedAt = 0;
  #lastTimerAt: number | undefined;
  #resetTimer: Timer | undefined;
  #warmUpTimer: Timer | undefined;
  readonly #healthChecks = new Set<Timer>();
  /** Set by the 'snapshot' forwarding, once. */
  #forwardingSnapshots = false;
  /**
   * Whether anyone listens to the per-call events. Emitting to no listener still costs a
   * lookup and an arguments list per call; these flags skip that on the hot path.
   */
  #hears = { fire: false, success: false, failure: false };
  /**
   * False when a call in a closed circuit may go untimed (Status.sampleCall decides): no
   * listener, deadline, cache or slow-call rule needs its latency or the exact time.
   */
  #timesEveryCall = true;
  /** The last time read from the clock: what an untimed call is counted at. */
  #lastNow = 0;
  /**
   * The success handler of an untimed normal call with no cache key: it needs nothing
   * from the call, so one function serves them all (a closure per call costs an
   * allocation on the hottest path). The native engine's unreported admission has its own.
   */
  // Typed on unknown, not TR: a member typed on TR would make the class invariant in TR.
  readonly #untimedSuccess = (value: unknown): unknown => {
    this.#semaphore.release();
    this.#succeeded(value as TR, NORMAL, '', 0, 0);
    return value;
  };
  readonly #untimedUnreportedSuccess = (value: unknown): unknown => {
    this.#semaphore.release();
    this.#succeeded(value as TR, UNREPORTED_SUCCESS, '', 0, 0);
    return value;
  };

  constructor(action: Action<TI, TR> | TR, options: CircuitBreakerOptions<TI> = {}) {
    super();
    if (action === undefined || action === null || (action as unknown) === false) {
      throw new TypeError(
        'No action provided. Cannot construct a CircuitBreaker without an invocable action.',
      );
    }
    this.#o = resolveOptions(options);
    this.options = optionsView(options, this.#o);
    this.#semaphore = new Semaphore(this.#o.capacity);
    // Opossum's times are wall-clock (a saved state's lastTimerAt is read by another process).
    this.#clock = this.#o.clock;
    this.action =
      typeof action === 'function'
        ? (action as (...args: TI) => Promise<TR> | TR)
        : () => Promise.resolve(action as TR);
    const o = this.#o;
    this.#name =
      (o.name as string | undefined) ||
      (typeof action === 'function' && action.name) ||
      randomUUID();
    this.#group = (o.group as string | undefined) || this.#name;
    this.#volumeThreshold = o.volumeThreshold;
    this.#status = this.#makeStatus(o.status as Status | Partial<Stats> | undefined);
    this.#breaker =
      this.#o.breaker ??
      new RollingPercentageBreaker(
        {
          errorThresholdPercentage: this.#o.errorThresholdPercentage,
          volumeThreshold: this.#volumeThreshold,
          rollingCountTimeout: this.#o.rollingCountTimeout,
          rollingCountBuckets: this.#o.rollingCountBuckets,
          clock: this.#clock,
        },
        {
          fires: () => this.#status.totalOf(FIELD.fires),
          failures: () => this.#status.totalOf(FIELD.failures),
        },
      );
    this.#coalesceCache = o.coalesceCache;
    this.#abortController = o.abortController;
    if (this.#o.timeout !== false) this.#deadlines = new DeadlineQueue(this.#clock);
    const engine = resolveBreakerEngine(this.#o.engine);
    if (engine.error) throw engine.error;
    this.engine = engine.engine;
    if (this.engine === 'native') {
      this.#local = this.#joinNativeCircuit();
    } else {
      this.#js = this.#makeJsCircuit();
      this.#local = this.#js;
    }
    this.#circuit = this.#local;
    if (this.#o.store) {
      // The store decides while it answers; the engine's circuit stands in while it does not.
      this.#remote = this.#joinStore(this.#o.store);
      this.#circuit = this.#remote;
    }
    if (o.maxFailures !== undefined) {
      process.emitWarning(
        'options.maxFailures is deprecated and ignored; use errorThresholdPercentage',
        {
          code: 'BULWARK_CIRCUIT_MAX_FAILURES',
        },
      );
    }

    const restored = o.state as Partial<CircuitSnapshotState> | undefined;
    this.#enabled = restored ? restored.enabled !== false : o.enabled;
    this.#warmUp = restored?.warmUp === true || o.allowWarmUp;
    if (this.#warmUp) {
      this.#warmUpTimer = backgroundTimer(() => {
        this.#warmUp = false;
      }, this.#o.warmUpMs);
    }
    this.on('newListener', (event: string | symbol) => {
      if (event === 'fire' || event === 'success' || event === 'failure') {
        this.#hears[event] = true;
        this.#decideTiming();
      }
      if (event === 'snapshot' && !this.#forwardingSnapshots) {
        this.#forwardingSnapshots = true;
        this.#status.on('snapshot', (stats) => this.emit('snapshot', stats));
      }
    });
    this.on('removeListener', (event: string | symbol) => {
      if (event === 'fire' || event === 'success' || event === 'failure') {
        this.#hears[event] = this.listenerCount(event) > 0;
        this.#decideTiming();
      }
    });
    this.#decideTiming();
    if (restored) this.#restore(restored);
  }

  /**
   * Whether every call must be timed: listeners of 'success' and 'failure' get each
   * latency, a slow-call rule reads it, and deadlines and caches need the exact time.
   */
  #decideTiming(): void {
    const options = this.#o;
    this.#timesEveryCall =
      this.#hears.success ||
      this.#hears.failure ||
      this.#deadlines !== undefined ||
      options.cache ||
      options.coalesce ||
      this.#breaker.usesDurations === true;
  }

  /** Reads the clock, keeping the time for the calls that go untimed. */
  #now(): number {
    this.#lastNow = this.#clock();
    return this.#lastNow;
  }

  // Properties, as opossum names them.

  get name(): string {
    return this.#name;
  }
  get group(): string {
    return this.#group;
  }
  get enabled(): boolean {
    return this.#enabled;
  }
  get warmUp(): boolean {
    return this.#warmUp;
  }
  get volumeThreshold(): number {
    return this.#volumeThreshold;
  }
  get closed(): boolean {
    return this.#observe() === CLOSED;
  }
  get opened(): boolean {
    return this.#observe() === OPEN;
  }
  get halfOpen(): boolean {
    return this.#observe() === HALF_OPEN;
  }
  /** Half-open with a probe still to let through. */
  get pendingClose(): boolean {
    if (this.#observe() !== HALF_OPEN) return false;
    return this.#circuit.info().probesLeft > 0;
  }
  get isShutdown(): boolean {
    return this.#state === SHUTDOWN;
  }
  get status(): Status {
    return this.#status;
  }
  get stats(): Stats {
    return this.#status.stats;
  }
  /** The rule that opens the circuit. */
  get breaker(): IBreaker {
    return this.#breaker;
  }

  // Typed listeners, with opossum's argument lists.

  override on<E extends keyof CircuitBreakerEvents<TI, TR>>(
    event: E,
    listener: CircuitBreakerEvents<TI, TR>[E],
  ): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  override once<E extends keyof CircuitBreakerEvents<TI, TR>>(
    event: E,
    listener: CircuitBreakerEvents<TI, TR>[E],
  ): this;
  override once(event: string | symbol, listener: (...args: any[]) => void): this;
  override once(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.once(event, listener);
  }

  // Calls.

  fire(...args: TI): Promise<TR> {
    return this.#call(this.action, args);
  }

  /** Like `fire`, with `context` as `this` for the action. */
  call(context: unknown, ...args: TI): Promise<TR> {
    return this.#call(context, args);
  }

  #call(context: unknown, args: TI): Promise<TR> {
    if (this.#state === SHUTDOWN) return Promise.reject(new ShutdownError());
    // At high rates most calls in a closed circuit read no clock: see timedCallsPerBucket.
    // A circuit in Redis decides on the server's clock and batches reports by time: every
    // call is timed there.
    const weight =
      this.#state === CLOSED && this.#remote === undefined && !this.#timesEveryCall
        ? this.#status.sampleCall()
        : 1;
    const now = weight > 0 ? this.#now() : this.#lastNow;
    this.#status.count(FIELD.fires, now);
    if (this.#hears.fire) this.emit('fire', args);
    if (!this.#enabled) {
      this.#circuit.fired(now);
      return this.#invokeUnprotected(context, args);
    }

    const options = this.#o;
    const cacheKey = options.cache || options.coalesce ? options.cacheGetKey.apply(this, args) : '';
    if (options.cache) {
      const cached = this.#lookUp(options.cacheTransport as CacheTransport, cacheKey, now, 'cache');
      if (cached) return cached;
    }
    if (this.#coalesceCache) {
      const shared = this.#lookUp(this.#coalesceCache, cacheKey, now, 'coalesceCache');
      if (shared) return shared;
    }

    const admission = this.#admit(now);
    // A circuit in Redis answers later only when a half-open probe's place is claimed there.
    const result =
      typeof admission === 'number'
        ? this.#dispatch(context, args, admission, cacheKey, now, weight)
        : admission.then((later) => this.#dispatch(context, args, later, cacheKey, this.#now(), 1));
    if (this.#coalesceCache) {
      const ttl = options.coalesceTTL;
      this.#coalesceCache.set(cacheKey, result, ttl > 0 ? now + ttl : 0);
    }
    return result;
  }

  /**
   * A promise the response cache or the coalescing cache already holds for `key`, with
   * the hit or miss counted and emitted as opossum does (`cacheHit`, `coalesceCacheMiss`...).
   * A hit is still a fired call for a shared circuit's rule.
   */
  #lookUp(
    cache: CacheTransport,
    key: string,
    now: number,
    kind: 'cache' | 'coalesceCache',
  ): Promise<TR> | undefined {
    const hit = cache.get(key);
    if (hit) {
      this.#status.count(kind === 'cache' ? FIELD.cacheHits : FIELD.coalesceCacheHits, now);
      this.#circuit.fired(now);
      this.emit(`${kind}Hit`);
      return hit as Promise<TR>;
    }
    this.#status.count(kind === 'cache' ? FIELD.cacheMisses : FIELD.coalesceCacheMisses, now);
    this.emit(`${kind}Miss`);
    return undefined;
  }

  #dispatch(
    context: unknown,
    args: TI,
    admission: number,
    cacheKey: string,
    now: number,
    weight: number,
  ): Promise<TR> {
    if (admission === REJECTED) return this.#reject(args, now);
    if (!this.#semaphore.test()) {
      // A probe that could not run gives its slot back: it decided nothing.
      if (admission > NORMAL) this.#circuit.returnProbe(admission);
      return this.#semaphoreLocked(args, cacheKey);
    }
    if (this.#deadlines) return this.#runWithTimeout(context, args, admission, cacheKey, now);
    return this.#run(context, args, admission, cacheKey, now, weight);
  }

  /** Sets the function called (with the call's arguments and the error) when a call fails or is rejected. */
  fallback(func: ((...args: any[]) => unknown) | CircuitBreaker<any, any>): this {
    if (func instanceof CircuitBreaker) {
      this.#fallback = (...args: unknown[]) => func.fire(...args);
    } else if (typeof func === 'function' || !func) {
      // A falsy value is no fallback, as in opossum.
      this.#fallback = func || undefined;
    } else {
      // Opossum takes it and fails at the first failure that needs it, in production.
      throw new TypeError(
        `fallback must be a function or a CircuitBreaker; got ${describeValue(func)}`,
      );
    }
    return this;
  }

  // State changes.

  /** Opens the circuit: calls are rejected until `resetTimeout` has passed. */
  open(): void {
    if (this.#state === SHUTDOWN) return;
    const now = this.#clock();
    this.#follow(this.#circuit.open(now), now);
  }

  /** Closes the circuit: calls go through. */
  close(): void {
    if (this.#state === SHUTDOWN) return;
    this.#follow(this.#circuit.close(), this.#clock());
  }

  /** Stops the breaker for good: timers cleared, listeners removed, later calls rejected with ESHUTDOWN. */
  shutdown(): void {
    this.emit('shutdown');
    this.disable();
    this.removeAllListeners();
    this.#clearResetTimer();
    this.#warmUpTimer?.cancel();
    for (const timer of this.#healthChecks) timer.cancel();
    this.#healthChecks.clear();
    this.#deadlines?.clear();
    this.#status.shutdown();
    this.#state = SHUTDOWN;
    // Let go of a shared circuit, so it ends when the last breaker sharing it does.
    this.#js = this.#makeJsCircuit();
    this.#local = this.#js;
    this.#circuit = this.#js;
    this.#remote?.leave();
    this.clearCache();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.shutdown();
  }

  /** Calls go through unprotected (still counted as fires) until `enable()`. */
  disable(): void {
    this.#enabled = false;
    this.#status.removeRotateBucketControllerListener();
  }

  enable(): void {
    this.#enabled = true;
    this.#status.startListeneningForRotateEvent();
  }

  clearCache(): void {
    if (this.#o.cache) this.#o.cacheTransport?.flush();
    this.#coalesceCache?.flush();
  }

  /**
   * Calls `func` now and every `interval` ms (default 5000); a rejection emits
   * `healthCheckFailed` and opens the circuit. Unlike opossum, shutdown stops the checks.
   */
  healthCheck(func: () => Promise<unknown>, interval?: number): void {
    const every = interval || 5000;
    if (typeof func !== 'function') throw new TypeError('Health check function must be a function');
    if (Number.isNaN(Number(every))) throw new TypeError('Health check interval must be a number');
    // Called at once and then every `interval`, as opossum does; a throw is a failed check.
    const check = () => {
      let result: unknown;
      try {
        result = func.apply(this);
      } catch (error) {
        result = Promise.reject(error);
      }
      Promise.resolve(result).catch((error: unknown) => {
        if (this.#state === SHUTDOWN) return;
        this.emit('healthCheckFailed', error);
        this.open();
      });
    };
    const timer = backgroundRepeat(check, Number(every));
    this.#healthChecks.add(timer);
    check();
  }

  /** `capacity`'s slots (opossum's `semaphore`): `count` free, `take`, `release`, `test`. */
  get semaphore(): Semaphore {
    return this.#semaphore;
  }

  getSignal(): AbortSignal | undefined {
    return this.#abortController?.signal;
  }

  getAbortController(): AbortController | undefined {
    return this.#abortController;
  }

  /** The state and stats, in the shape `options.state` and `options.status` take back. */
  toJSON(): { state: CircuitSnapshotState; status: Stats } {
    return {
      state: {
        name: this.#name,
        enabled: this.#enabled,
        closed: this.closed,
        open: this.opened,
        halfOpen: this.halfOpen,
        warmUp: this.#warmUp,
        shutdown: this.isShutdown,
        lastTimerAt: this.#lastTimerAt,
      },
      status: this.#status.stats,
    };
  }

  // Internals: admission.

  #admit(now: number): number | Promise<number> {
    const packed = this.#circuit.admit(now);
    if (typeof packed !== 'number') return packed.then((later) => this.#admitted(later));
    this.#follow(unpackState(packed), now);
    return unpackAdmission(packed);
  }

  #admitted(packed: number): number {
    this.#follow(unpackState(packed), this.#clock());
    return unpackAdmission(packed);
  }

  // Internals: what a transition does here, whoever made it (this object or a thread
  // sharing the circuit).

  #enterOpen(openedAt: number): void {
    this.#state = OPEN;
    this.#openedAt = openedAt;
    this.#lastTimerAt = openedAt;
    this.#status.open();
    this.#armResetTimer(Math.max(0, openedAt + this.#o.resetTimeout - this.#clock()));
    this.emit('open');
  }

  #enterHalfOpen(): void {
    this.#clearResetTimer();
    this.#state = HALF_OPEN;
    this.#renewAbortController();
    this.emit('halfOpen', this.#o.resetTimeout);
  }

  #enterClosed(): void {
    this.#clearResetTimer();
    this.#state = CLOSED;
    this.#status.close();
    this.#renewAbortController();
    this.emit('close');
  }

  /** The state now, taking in what other holders of a shared circuit did since we looked. */
  #observe(): State {
    if (this.#circuit !== this.#js) this.#follow(this.#circuit.state(), this.#clock());
    return this.#state;
  }

  /** Brings this object to the circuit's state, emitting the transition's event. */
  #follow(shared: number, _now: number): void {
    if (shared === this.#state || this.#state === SHUTDOWN) return;
    if (shared === OPEN) {
      this.#enterOpen(this.#circuit.info().openedAt);
    } else if (shared === HALF_OPEN) {
      this.#enterHalfOpen();
    } else {
      this.#enterClosed();
    }
  }

  #joinNativeCircuit(): NativeCircuit {
    const config = this.#sharedConfig('engine "native"');
    return new NativeCircuit(nativeBinding().binding as NativeBinding, this.#name, config);
  }

  #makeJsCircuit(): JsCircuit {
    return new JsCircuit({
      rule: this.#breaker,
      resetTimeoutMs: this.#o.resetTimeout,
      halfOpenProbes: this.#o.halfOpenProbes,
      strictHalfOpen: this.#o.strictHalfOpen,
      volumeReached: () => this.#status.totalOf(FIELD.fires) >= this.#volumeThreshold,
    });
  }

  #joinStore(store: CircuitStore): RemoteCircuit {
    const remote = store.join(this.#name, this.#sharedConfig('store'), this.#clock);
    remote.listen({
      changed: (state) => {
        if (this.#circuit === remote) this.#follow(state, this.#clock());
      },
      offline: () => {
        if (this.#state === SHUTDOWN) return;
        this.#continueLocally();
      },
      online: () => {
        if (this.#state !== SHUTDOWN) this.#circuit = remote;
      },
      localState: () => this.#state,
    });
    return remote;
  }

  /** The store went away: carry on from the state it last gave, on the engine's circuit. */
  #continueLocally(): void {
    const now = this.#clock();
    this.#local.adopt(this.#state, this.#openedAt, now);
    this.#circuit = this.#local;
    if (this.#state === OPEN) {
      this.#armResetTimer(Math.max(0, this.#openedAt + this.#o.resetTimeout - now));
    }
  }

  #sharedConfig(where: string): SharedCircuitConfig {
    const options = this.#o;
    const rule = sharedRuleConfig(
      options.breaker,
      {
        errorThresholdPercentage: options.errorThresholdPercentage,
        volumeThreshold: this.#volumeThreshold,
        rollingCountTimeout: options.rollingCountTimeout,
        rollingCountBuckets: options.rollingCountBuckets,
      },
      where,
    );
    return {
      ...rule,
      resetTimeoutMs: options.resetTimeout,
      halfOpenProbes: options.halfOpenProbes,
      strictHalfOpen: options.strictHalfOpen,
      volumeThreshold: this.#volumeThreshold,
      rollingCountTimeoutMs: options.rollingCountTimeout,
      rollingCountBuckets: options.rollingCountBuckets,
    };
  }

  // Internals: running the action.

  #run(
    context: unknown,
    args: TI,
    admission: number,
    cacheKey: string,
    start: number,
    weight: number,
  ): Promise<TR> {
    let result: unknown;
    try {
      result = this.action.apply(context, args);
    } catch (error) {
      this.#semaphore.release();
      return this.#failed(error, args, admission, cacheKey, start, 'error', weight);
    }
    const onValue = this.#onValue(admission, cacheKey, start, weight) as (value: TR) => TR;
    return (Promise.resolve(result) as Promise<TR>).then(onValue, (error: unknown) => {
      this.#semaphore.release();
      return this.#failed(error, args, admission, cacheKey, start, 'error', weight);
    });
  }

  /**
   * What handles a call's value: a shared function when the call carries nothing of its
   * own. Typed on unknown, as the shared fields are, to keep the class covariant in TR.
   */
  #onValue(
    admission: number,
    cacheKey: string,
    start: number,
    weight: number,
  ): (value: unknown) => unknown {
    if (weight === 0 && cacheKey === '') {
      if (admission === NORMAL) return this.#untimedSuccess;
      if (admission === UNREPORTED_SUCCESS) return this.#untimedUnreportedSuccess;
    }
    return (value: unknown) => {
      this.#semaphore.release();
      this.#succeeded(value as TR, admission, cacheKey, start, weight);
      return value;
    };
  }

  #runWithTimeout(
    context: unknown,
    args: TI,
    admission: number,
    cacheKey: string,
    start: number,
  ): Promise<TR> {
    const timeoutMs = this.#o.timeout as number;
    const deadlines = this.#deadlines as DeadlineQueue;
    return new Promise<TR>((resolve, reject) => {
      const pending: Deadline = {
        deadline: start + timeoutMs,
        prev: undefined,
        next: undefined,
        expire: () => {
          this.#semaphore.release();
          const now = this.#clock();
          const error = new CircuitTimeoutError(timeoutMs);
          this.#status.count(FIELD.timeouts, now, now - start);
          try {
            this.emit('timeout', error, now - start, args);
            this.#failed(error, args, admission, cacheKey, start, 'timeout').then(resolve, reject);
          } catch (listenerError) {
            // A 'timeout' listener threw: the caller gets its error rather than no answer.
            reject(listenerError);
          } finally {
            this.#abortController?.abort();
          }
        },
      };
      let result: unknown;
      try {
        result = this.action.apply(context, args);
      } catch (error) {
        this.#semaphore.release();
        this.#failed(error, args, admission, cacheKey, start, 'error').then(resolve, reject);
        return;
      }
      deadlines.add(pending);
      Promise.resolve(result).then(
        (value) => {
          // Not queued any more: the deadline passed first and the caller has its answer.
          if (!deadlines.remove(pending)) return;
          this.#semaphore.release();
          try {
            this.#succeeded(value as TR, admission, cacheKey, start);
            resolve(value as TR);
          } catch (listenerError) {
            reject(listenerError); // a 'success' (or 'close') listener threw
          }
        },
        (error: unknown) => {
          if (!deadlines.remove(pending)) return;
          this.#semaphore.release();
          this.#failed(error, args, admission, cacheKey, start, 'error').then(resolve, reject);
        },
      );
    });
  }

  #invokeUnprotected(context: unknown, args: TI): Promise<TR> {
    try {
      return Promise.resolve(this.action.apply(context, args));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  // Internals: outcomes.

  /** `weight` is what the call's latency stands for; 0 for an untimed call (no clock read). */
  #succeeded(value: TR, admission: number, cacheKey: string, start: number, weight = 1): void {
    const now = weight > 0 ? this.#now() : this.#lastNow;
    const latency = weight > 0 ? now - start : 0;
    this.#status.count(FIELD.successes, now, latency, weight);
    // Opossum closes a half-open circuit before user 'success' listeners run; so do we.
    this.#recordSuccess(admission, latency, now);
    if (this.#hears.success) this.emit('success', value, latency);
    this.#resetCoalesce(cacheKey, 'success');
    if (this.#o.cache) {
      const ttl = this.#o.cacheTTL;
      (this.#o.cacheTransport as CacheTransport).set(
        cacheKey,
        Promise.resolve(value),
        ttl > 0 ? now + ttl : 0,
      );
    }
  }

  /**
   * Settles a failed call: filtered errors count as successes; others as failures, then
   * the fallback. Never throws: an `errorFilter`, 'failure', 'success' or 'open' listener
   * that throws makes the call reject with that error, which is how it is reported.
   * (In opossum the call then never settles, and the error is an unhandled rejection.)
   */
  #failed(
    error: unknown,
    args: TI,
    admission: number,
    cacheKey: string,
    start: number,
    outcome: 'error' | 'timeout' | 'semaphore',
    weight = 1,
  ): Promise<TR> {
    try {
      // Always read: the failure must land in the right bucket, and may open the circuit.
      const now = this.#now();
      const latency = weight > 0 ? now - start : 0;
      if (this.#o.errorFilter(error, ...args)) {
        this.#status.count(FIELD.successes, now, latency, weight);
        this.#recordSuccess(admission, latency, now);
        this.emit('success', error, latency);
        this.#resetCoalesce(cacheKey, outcome);
        return Promise.reject(error);
      }
      this.#status.count(FIELD.failures, now, latency, weight);
      if (this.#hears.failure) this.emit('failure', error, latency, args);
      this.#recordFailure(admission, latency, now);
      this.#resetCoalesce(cacheKey, outcome);
      return this.#runFallback(args, error) ?? Promise.reject(error);
    } catch (listenerError) {
      return Promise.reject(listenerError);
    }
  }

  #reject(args: TI, now: number): Promise<TR> {
    // A plain Error given the class: see brandAs (an open circuit rejects at full rate).
    const error = brandAs(new Error(OPEN_MESSAGE), OpenCircuitError);
    this.#status.count(FIELD.rejects, now);
    this.emit('reject', error);
    return this.#runFallback(args, error) ?? Promise.reject(error);
  }

  #semaphoreLocked(args: TI, cacheKey: string): Promise<TR> {
    // The call's own time may be the last one read (an untimed call): read it now, so the
    // failure below records the latency of 0 that opossum does.
    const now = this.#now();
    const error = brandAs(new Error(SEMAPHORE_MESSAGE), SemaphoreLockedError);
    this.#status.count(FIELD.semaphoreRejections, now);
    this.emit('semaphoreLocked', error, 0);
    // As in opossum, a locked semaphore counts as a failure of a normal call.
    return this.#failed(error, args, NORMAL, cacheKey, now, 'semaphore');
  }

  #runFallback(args: TI, error: unknown): Promise<TR> | undefined {
    const fallback = this.#fallback;
    if (!fallback) return undefined;
    try {
      const result = fallback.apply(fallback, [...args, error]);
      this.#status.count(FIELD.fallbacks, this.#clock());
      this.emit('fallback', result, error);
      return Promise.resolve(result) as Promise<TR>;
    } catch (fallbackError) {
      return Promise.reject(fallbackError);
    }
  }

  #recordSuccess(admission: number, latency: number, now: number): void {
    if (this.#circuit === this.#remote) this.#local.feed(false, latency, now);
    if (admission === UNREPORTED_SUCCESS) return;
    this.#follow(this.#circuit.record(admission, false, latency, now, !this.#warmUp), now);
  }

  #recordFailure(admission: number, latency: number, now: number): void {
    if (this.#circuit === this.#remote) this.#local.feed(true, latency, now);
    const reported = admission === UNREPORTED_SUCCESS ? NORMAL : admission;
    this.#follow(this.#circuit.record(reported, true, latency, now, !this.#warmUp), now);
  }

  #resetCoalesce(cacheKey: string, outcome: 'error' | 'success' | 'timeout' | 'semaphore'): void {
    if (!this.#coalesceCache) return;
    if (outcome === 'semaphore' || this.#o.coalesceResetOn.includes(outcome)) {
      this.#coalesceCache.delete(cacheKey);
    }
  }

  // Internals: timers and setup.

  #armResetTimer(afterMs: number): void {
    this.#clearResetTimer();
    // Background: an open circuit does not keep the process alive. Any resetTimeout works,
    // 30 days included (a bare setTimeout would fire after 1 ms past 2^31 ms).
    this.#resetTimer = backgroundTimer(() => {
      this.#resetTimer = undefined;
      if (this.#state !== OPEN) return;
      const now = this.#clock();
      if (this.#circuit === this.#js) {
        // The js engine's own timer is the authority: resetTimeout has passed.
        this.#follow(this.#js.halfOpenNow(now), now);
        return;
      }
      this.#follow(this.#circuit.refresh(now), now);
      // Still open: another thread reopened it meanwhile, so wait out its resetTimeout; or
      // a store is moving it to half-open, and its answer will say so.
      if (this.#state === OPEN) {
        const remaining = this.#circuit.info().openedAt + this.#o.resetTimeout - now;
        if (remaining > 0) this.#armResetTimer(remaining);
      }
    }, afterMs);
  }

  #clearResetTimer(): void {
    this.#resetTimer?.cancel();
    this.#resetTimer = undefined;
  }

  #renewAbortController(): void {
    const controller = this.#abortController;
    if (this.#o.autoRenewAbortController && controller?.signal.aborted) {
      this.#abortController = new AbortController();
    }
  }

  #makeStatus(given: Status | Partial<Stats> | undefined): Status {
    if (given instanceof Status) return given;
    return new Status({
      rollingCountTimeout: this.#o.rollingCountTimeout,
      rollingCountBuckets: this.#o.rollingCountBuckets,
      rollingPercentilesEnabled: this.#o.rollingPercentilesEnabled,
      timedCallsPerBucket: this.#o.timedCallsPerBucket,
      enableSnapshots: this.#o.enableSnapshots,
      rotateBucketController: this.#o.rotateBucketController,
      clock: this.#clock,
      stats: given,
    });
  }

  #restore(state: Partial<CircuitSnapshotState>): void {
    if (state.shutdown) {
      this.shutdown();
      return;
    }
    if (state.closed !== false && !state.halfOpen) return;
    // Opened when the snapshot says (half-open: a whole resetTimeout ago), then moved on
    // to half-open if that time has passed; otherwise open for what remains of it.
    const now = this.#clock();
    const openedAt = state.halfOpen ? now - this.#o.resetTimeout : (state.lastTimerAt ?? now);
    this.#follow(this.#circuit.open(openedAt), now);
    this.#follow(this.#circuit.refresh(now), now);
  }
}

// The bundler renames classes that use private fields (`_CircuitBreaker`); users log this
// name, so it is set back once here rather than with esbuild's keepNames, which wraps
// every closure the hot path creates in a defineProperty call.
Object.defineProperty(CircuitBreaker, 'name', { value: 'CircuitBreaker' });

/** Event listeners, with opossum's argument lists. */
export interface CircuitBreakerEvents<TI extends unknown[], TR> {
  fire: (args: TI) => void;
  success: (result: TR, latencyMs: number) => void;
  failure: (error: any, latencyMs: number, args: TI) => void;
  timeout: (error: Error, latencyMs: number, args: TI) => void;
  reject: (error: Error) => void;
  open: () => void;
  halfOpen: (resetTimeout: number) => void;
  close: () => void;
  fallback: (result: unknown, error: any) => void;
  semaphoreLocked: (error: Error, latencyMs: number) => void;
  healthCheckFailed: (error: any) => void;
  shutdown: () => void;
  cacheHit: () => void;
  cacheMiss: () => void;
  coalesceCacheHit: () => void;
  coalesceCacheMiss: () => void;
  snapshot: (stats: Stats) => void;
}

type StatusClass = Status;
type StatsShape = Stats;
type StatusOptionsShape = StatusOptions;
type CacheTransportShape = CacheTransport;
type BucketShape = import('./status.js').Bucket;

/** The type names of @types/opossum, so `CircuitBreaker.Options` and friends keep compiling. */
export declare namespace CircuitBreaker {
  type Options<TI extends unknown[] = unknown[]> = CircuitBreakerOptions<TI>;
  type Status = StatusClass;
  type Stats = StatsShape;
  type StatusOptions = StatusOptionsShape;
  type Bucket = BucketShape;
  type Window = BucketShape[];
  type State = CircuitSnapshotState;
  type CacheTransport = CacheTransportShape;
  type MemoryCache = CacheTransportShape;
}
