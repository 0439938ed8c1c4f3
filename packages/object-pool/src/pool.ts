import { EventEmitter } from 'node:events';
import { backgroundRepeat, backgroundTimer, monotonicClock, type Timer } from '@bulwark/engine-kit';
import { createRetryDelay } from './create-retry.js';
import {
  DESTROY_TIMED_OUT_MESSAGE,
  DRAINING_MESSAGE,
  NOT_IN_POOL_MESSAGE,
  TOO_MANY_WAITING_MESSAGE,
} from './errors.js';
import { callFactory, checkFactory, type Factory } from './factory.js';
import { type Options, type ResolvedOptions, resolveOptions } from './options.js';
import { PooledResource } from './pooled-resource.js';
import { PriorityQueue } from './priority-queue.js';
import { ResourceRequest } from './resource-request.js';

/** What a pool tells its listeners, as generic-pool does (plus `factoryValidateError`). */
export interface PoolEvents {
  /** `factory.create` failed; the pool retries after a backoff. */
  factoryCreateError: (error: unknown) => void;
  /** `factory.destroy` failed or took longer than `destroyTimeoutMillis`. */
  factoryDestroyError: (error: unknown) => void;
  /** `factory.validate` rejected; the resource was treated as invalid and destroyed. */
  factoryValidateError: (error: unknown) => void;
}

const now = monotonicClock.now;

/**
 * A pool of resources, a drop-in for generic-pool 3's `Pool`: the same methods,
 * properties, events, errors and order of service, with generic-pool's defects fixed (a
 * failing `create` is retried after a backoff instead of in a tight loop, `testOnReturn`
 * works, `use` takes synchronous functions, `clear` removes what it destroys, a factory
 * that throws or a `validate` that rejects cannot strand a resource or a waiter). The
 * README's migration section lists each difference.
 */
export class Pool<T> extends EventEmitter {
  readonly #factory: Factory<T>;
  readonly #config: ResolvedOptions;
  readonly #waiters: PriorityQueue<ResourceRequest<T>>;
  /** Every resource the pool holds, whatever its state. */
  readonly #all = new Set<PooledResource<T>>();
  /** Idle resources, the next to lend first. */
  readonly #available: PooledResource<T>[] = [];
  readonly #loans = new Map<T, PooledResource<T>>();
  readonly #creates = new Set<Promise<unknown>>();
  readonly #destroys = new Set<Promise<unknown>>();
  /** Resources being validated before a loan (testOnBorrow) or after one (testOnReturn). */
  #validatingForBorrow = 0;
  #validatingOnReturn = 0;
  #started = false;
  #draining = false;
  #evictionTimer: Timer | undefined;
  #evictionCursor = 0;
  /** Creates that failed in a row, and the timer that allows the next attempt. */
  #createFailures = 0;
  #createRetryTimer: Timer | undefined;
  readonly #readyWaiters: (() => void)[] = [];

  /**
   * `new Pool(factory, options)`; generic-pool's own form, `new Pool(Evictor, Deque,
   * PriorityQueue, factory, options)`, is taken too (the three classes are not used).
   */
  constructor(factory: Factory<T>, options?: Options);
  constructor(
    evictor: unknown,
    deque: unknown,
    priorityQueue: unknown,
    factory: Factory<T>,
    options?: Options,
  );
  constructor(...args: unknown[]) {
    super();
    const injected = args.length >= 4 && typeof args[0] === 'function';
    const factory = (injected ? args[3] : args[0]) as Factory<T>;
    const options = (injected ? args[4] : args[1]) as Options | undefined;
    checkFactory(factory);
    this.#factory = factory;
    this.#config = resolveOptions(options);
    if ((this.#config.testOnBorrow || this.#config.testOnReturn) && !factory.validate) {
      throw new TypeError(
        `${this.#config.testOnBorrow ? 'testOnBorrow' : 'testOnReturn'} needs factory.validate, a function (resource) => boolean`,
      );
    }
    this.#waiters = new PriorityQueue(this.#config.priorityRange);
    if (this.#config.autostart) this.start();
  }

  // ---- what generic-pool users read ---------------------------------------------------

  /** Resources held and being created (not those being destroyed). */
  get size(): number {
    return this.#all.size + this.#creates.size;
  }
  get available(): number {
    return this.#available.length;
  }
  get borrowed(): number {
    return this.#loans.size;
  }
  /** Acquires waiting for a resource. */
  get pending(): number {
    return this.#waiters.length;
  }
  get spareResourceCapacity(): number {
    return this.#config.max - this.size;
  }
  get max(): number {
    return this.#config.max;
  }
  get min(): number {
    return this.#config.min;
  }

  // ---- lending -------------------------------------------------------------------------

  /**
   * A resource, when one is free (at once if one is idle). Rejects if the pool is
   * draining, if `maxWaitingClients` are already waiting, after `acquireTimeoutMillis`
   * (`TimeoutError`), or when `signal` aborts (its reason).
   */
  acquire(priority?: number, options?: { signal?: AbortSignal }): Promise<T> {
    if (!this.#started && !this.#config.autostart) this.start();
    if (this.#draining) return this.#rejected(new Error(DRAINING_MESSAGE));
    const { maxWaitingClients } = this.#config;
    if (
      this.spareResourceCapacity < 1 &&
      this.available < 1 &&
      maxWaitingClients !== undefined &&
      this.pending >= maxWaitingClients
    ) {
      return this.#rejected(new Error(TOO_MANY_WAITING_MESSAGE));
    }
    const request = new ResourceRequest<T>(this.#config.acquireTimeoutMillis, options?.signal);
    request.onGiveUp = () => this.#waiters.remove(request);
    this.#waiters.enqueue(request, priority);
    this.#dispense();
    return this.#wrap(request.promise);
  }

  /** Gives a borrowed resource back; rejects for one the pool did not lend. */
  release(resource: T): Promise<void> {
    const pooled = this.#loans.get(resource);
    if (!pooled) return this.#rejected(new Error(NOT_IN_POOL_MESSAGE));
    this.#loans.delete(resource);
    pooled.returned(now());
    if (this.#config.testOnReturn) this.#validateOnReturn(pooled);
    else this.#makeAvailable(pooled);
    this.#dispense();
    return this.#wrap(Promise.resolve());
  }

  /** Destroys a borrowed resource instead of giving it back (it was found broken). */
  destroy(resource: T): Promise<void> {
    const pooled = this.#loans.get(resource);
    if (!pooled) return this.#rejected(new Error(NOT_IN_POOL_MESSAGE));
    this.#loans.delete(resource);
    pooled.returned(now());
    this.#destroy(pooled);
    this.#dispense();
    return this.#wrap(Promise.resolve());
  }

  /**
   * Acquires, calls `fn` with the resource (sync or async), and gives it back when `fn`
   * is done; destroys it instead if `fn` throws or rejects, and passes the error on.
   */
  use<U>(fn: (resource: T) => U | Promise<U>, priority?: number): Promise<U> {
    return this.acquire(priority).then((resource) => {
      // `fn` may have released or destroyed the resource itself: then giving it back here
      // is refused, and that refusal is nobody's business.
      const giveBack = (): void => void this.release(resource).then(noop, noop);
      const destroyIt = (): void => void this.destroy(resource).then(noop, noop);
      let outcome: U | Promise<U>;
      try {
        outcome = fn(resource);
      } catch (error) {
        destroyIt();
        throw error;
      }
      return Promise.resolve(outcome).then(
        (result) => {
          giveBack();
          return result;
        },
        (error) => {
          destroyIt();
          throw error;
        },
      );
    });
  }

  isBorrowedResource(resource: T): boolean {
    return this.#loans.has(resource);
  }

  // ---- life cycle ----------------------------------------------------------------------

  /** Creates `min` resources and starts the evictor; a no-op once started or draining. */
  start(): void {
    if (this.#draining || this.#started) return;
    this.#started = true;
    this.#scheduleEviction();
    this.#ensureMinimum();
  }

  /** Resolves once `min` resources are idle (at once for `min` 0). */
  ready(): Promise<void> {
    return this.#wrap(
      new Promise<void>((resolve) => {
        if (this.available >= this.min) resolve();
        else this.#readyWaiters.push(resolve);
      }),
    );
  }

  /**
   * Stops lending to new callers (their acquires reject), then resolves once every caller
   * already waiting has been served or has given up, and every loan has ended. Destroys
   * nothing: follow it with `clear()`.
   */
  drain(): Promise<void> {
    this.#draining = true;
    const waiting = [...this.#waiters].map((r) => r.promise.then(noop, noop));
    return this.#wrap(
      Promise.all(waiting)
        .then(() => {
          const loans = [...this.#loans.values()].map((p) => p.loanEnded);
          return Promise.all(loans);
        })
        .then(() => {
          this.#stopEviction();
          this.#stopCreateRetry();
        }),
    );
  }

  /** Destroys every idle resource, after any create under way has finished. */
  clear(): Promise<void> {
    const creating = [...this.#creates].map((p) => p.then(noop, noop));
    return this.#wrap(
      Promise.all(creating)
        .then(() => {
          for (const pooled of [...this.#available]) this.#destroy(pooled);
          return Promise.all([...this.#destroys].map((p) => p.then(noop, noop)));
        })
        .then(noop),
    );
  }

  // ---- events, typed ---------------------------------------------------------------------

  override on<E extends keyof PoolEvents>(event: E, listener: PoolEvents[E]): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  // ---- the work ------------------------------------------------------------------------

  /**
   * Serves waiters: creates what is missing (within `max`, and not while a failed create
   * is backing off), validates or lends idle resources.
   */
  #dispense(): void {
    const waiting = this.pending;
    if (waiting < 1) return;
    const shortfall =
      waiting -
      (this.available + this.#validatingForBorrow + this.#validatingOnReturn + this.#creates.size);
    for (let i = Math.min(this.spareResourceCapacity, shortfall); i > 0; i--) {
      if (!this.#create()) break;
    }
    if (this.#config.testOnBorrow) {
      const toValidate = Math.min(this.available, waiting - this.#validatingForBorrow);
      for (let i = 0; i < toValidate; i++) this.#validateForBorrow(this.#available.shift()!);
    } else {
      const toLend = Math.min(this.available, waiting);
      for (let i = 0; i < toLend; i++) this.#lendToNextWaiter(this.#available.shift()!);
    }
  }

  #lendToNextWaiter(pooled: PooledResource<T>): void {
    let request = this.#waiters.dequeue();
    while (request && !request.pending) request = this.#waiters.dequeue();
    if (!request) {
      this.#makeAvailable(pooled);
      return;
    }
    pooled.lend();
    this.#loans.set(pooled.resource, pooled);
    request.resolve(pooled.resource);
  }

  /** Starts one create; false while a failed create is backing off. */
  #create(): boolean {
    if (this.#createRetryTimer !== undefined) return false;
    const creating = callFactory(() => this.#factory.create()).then(
      (resource) => {
        this.#creates.delete(creating);
        if (this.#holds(resource)) {
          throw new Error(
            'factory.create returned a resource the pool already holds: each must be a distinct object',
          );
        }
        this.#createFailures = 0;
        const pooled = new PooledResource(resource, now());
        this.#all.add(pooled);
        this.#makeAvailable(pooled);
        // Lent a microtask later, as generic-pool does: resources created in the same turn
        // all join the idle list first, so which waiter gets which follows `fifo` alike.
        queueMicrotask(() => this.#dispense());
      },
      (error) => {
        this.#creates.delete(creating);
        throw error;
      },
    );
    this.#creates.add(creating);
    creating.catch((error) => this.#createFailed(error));
    return true;
  }

  #createFailed(error: unknown): void {
    this.#createFailures++;
    this.#stopCreateRetry();
    // The next attempt waits: a create that fails at once can no longer spin the event loop.
    // A waiter with a timeout keeps the process alive; the retry alone does not.
    this.#createRetryTimer = backgroundTimer(
      () => {
        this.#createRetryTimer = undefined;
        this.#ensureMinimum();
        this.#dispense();
      },
      createRetryDelay(this.#createFailures, this.#config),
    );
    this.emit('factoryCreateError', error);
  }

  #stopCreateRetry(): void {
    this.#createRetryTimer?.cancel();
    this.#createRetryTimer = undefined;
  }

  #holds(resource: T): boolean {
    for (const pooled of this.#all) if (pooled.resource === resource) return true;
    return false;
  }

  #makeAvailable(pooled: PooledResource<T>): void {
    pooled.state = 'idle';
    if (this.#config.fifo) this.#available.push(pooled);
    else this.#available.unshift(pooled);
    if (this.#readyWaiters.length > 0 && this.available >= this.min) {
      for (const resolve of this.#readyWaiters.splice(0)) resolve();
    }
  }

  #validateForBorrow(pooled: PooledResource<T>): void {
    pooled.state = 'validating';
    this.#validatingForBorrow++;
    this.#validate(pooled).then((valid) => {
      this.#validatingForBorrow--;
      if (valid) this.#lendToNextWaiter(pooled);
      else this.#destroy(pooled);
      this.#dispense();
    });
  }

  #validateOnReturn(pooled: PooledResource<T>): void {
    pooled.state = 'returning';
    this.#validatingOnReturn++;
    this.#validate(pooled).then((valid) => {
      this.#validatingOnReturn--;
      if (valid) this.#makeAvailable(pooled);
      else this.#destroy(pooled);
      this.#dispense();
    });
  }

  /** Whether `validate` passes the resource: anything but `false` does; a rejection does not. */
  #validate(pooled: PooledResource<T>): Promise<boolean> {
    return callFactory(() => this.#factory.validate!(pooled.resource)).then(
      (result) => result !== false,
      (error) => {
        this.emit('factoryValidateError', error);
        return false;
      },
    );
  }

  #destroy(pooled: PooledResource<T>): void {
    pooled.state = 'destroyed';
    this.#all.delete(pooled);
    const idle = this.#available.indexOf(pooled);
    if (idle >= 0) this.#available.splice(idle, 1);
    let destroying = callFactory(() => this.#factory.destroy(pooled.resource));
    const timeout = this.#config.destroyTimeoutMillis;
    if (timeout !== undefined) {
      let timer: Timer | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = backgroundTimer(() => reject(new Error(DESTROY_TIMED_OUT_MESSAGE)), timeout);
      });
      destroying = Promise.race([destroying, timedOut]).finally(() => timer?.cancel());
    }
    const tracked = destroying.then(noop, (error) => {
      this.emit('factoryDestroyError', error);
    });
    this.#destroys.add(tracked);
    tracked.finally(() => this.#destroys.delete(tracked));
    this.#ensureMinimum();
  }

  #ensureMinimum(): void {
    if (this.#draining) return;
    for (let i = this.#config.min - this.size; i > 0; i--) {
      if (!this.#create()) break;
    }
  }

  // ---- eviction ------------------------------------------------------------------------

  #scheduleEviction(): void {
    const interval = this.#config.evictionRunIntervalMillis;
    // The evictor is housekeeping: it never keeps the process alive.
    if (interval > 0) this.#evictionTimer = backgroundRepeat(() => this.#evict(), interval);
  }

  #stopEviction(): void {
    this.#evictionTimer?.cancel();
    this.#evictionTimer = undefined;
  }

  /**
   * Looks at up to `numTestsPerEvictionRun` idle resources, round-robin across runs, and
   * destroys those idle too long: past `idleTimeoutMillis`, or past
   * `softIdleTimeoutMillis` while more than `min` are idle.
   */
  #evict(): void {
    const { numTestsPerEvictionRun, softIdleTimeoutMillis, idleTimeoutMillis, min } = this.#config;
    const at = now();
    const tests = Math.min(numTestsPerEvictionRun, this.available);
    for (let t = 0; t < tests && this.available > 0; t++) {
      if (this.#evictionCursor >= this.available) this.#evictionCursor = 0;
      const pooled = this.#available[this.#evictionCursor]!;
      const idle = at - pooled.lastIdleAt;
      const soft =
        softIdleTimeoutMillis > 0 && softIdleTimeoutMillis < idle && min < this.available;
      if (soft || idleTimeoutMillis < idle) this.#destroy(pooled);
      else this.#evictionCursor++;
    }
  }

  // ---- promises ------------------------------------------------------------------------

  /** A promise of the configured `Promise` class (generic-pool's `Promise` option). */
  #wrap<R>(promise: Promise<R>): Promise<R> {
    const P = this.#config.Promise;
    return P === Promise ? promise : new P<R>((resolve, reject) => promise.then(resolve, reject));
  }

  #rejected<R>(error: Error): Promise<R> {
    return this.#wrap(Promise.reject(error));
  }
}

function noop(): void {}

/** generic-pool's entry point: a pool for `factory`. */
export function createPool<T>(factory: Factory<T>, options?: Options): Pool<T> {
  return new Pool(factory, options);
}
