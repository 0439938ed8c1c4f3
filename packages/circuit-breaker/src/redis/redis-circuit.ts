import { backgroundTimer, type Timer } from '@bulwark/engine-kit';
import type { SharedCircuitConfig } from '../circuit/rule-config.js';
import {
  CLOSED,
  HALF_OPEN,
  NORMAL,
  OPEN,
  packAdmission,
  REJECTED,
  type RemoteCircuit,
  type RemoteCircuitListener,
  type SharedCircuitInfo,
} from '../circuit/shared-circuit.js';
import type { CircuitReply, SCRIPTS } from './lua.js';
import { OutcomeBatch } from './outcome-batch.js';

/** What a circuit needs of the store that holds it. */
export interface CircuitHost {
  readonly online: boolean;
  readonly syncIntervalMs: number;
  run(script: keyof typeof SCRIPTS, circuit: RedisCircuit, args: number[]): Promise<CircuitReply>;
  leave(circuit: RedisCircuit): void;
}

/**
 * This instance's view of a circuit kept in Redis. Calls are admitted from the mirrored
 * state without a round trip while it is closed (or open and not yet due); outcomes go to
 * Redis in batches. Only a half-open probe's place is claimed in Redis, atomically, so the
 * whole fleet sends `halfOpenProbes` probes. Replies and other instances' notices update
 * the mirror, and the breaker hears of every move through its listener.
 */
export class RedisCircuit implements RemoteCircuit {
  readonly name: string;
  readonly config: SharedCircuitConfig;
  readonly #host: CircuitHost;
  readonly #clock: () => number;
  /** Opossum's rule and volumeThreshold count fired calls. */
  readonly #countsFires: boolean;
  /** Whether a normal call's success in a closed circuit needs reporting (see the twin). */
  readonly #successMatters: boolean;
  readonly #slowCallMs: number;
  #listener: RemoteCircuitListener | undefined;
  #state = CLOSED;
  #openedAt = 0;
  #probesLeft = 0;
  /** Half-open with every place taken: ask Redis again only after this instant. */
  #quietUntil = 0;
  #claimsInFlight = 0;
  #batch = new OutcomeBatch();
  #mayOpen = true;
  #flushTimer: Timer | undefined;
  #flushSoon = false;
  #flushing = false;
  /** Set while the store is down: the breaker's own state then has news for the fleet. */
  #wasOffline = false;
  /** The version of the state last applied (see CircuitReply.version). */
  #version = -1;

  constructor(host: CircuitHost, name: string, config: SharedCircuitConfig, clock: () => number) {
    this.#host = host;
    this.name = name;
    this.config = config;
    this.#clock = clock;
    this.#countsFires = config.kind === 'rolling-percentage' || config.volumeThreshold > 0;
    this.#successMatters = config.kind !== 'rolling-percentage' || !config.strictHalfOpen;
    this.#slowCallMs = config.slowCallDurationMs ?? Number.POSITIVE_INFINITY;
  }

  listen(listener: RemoteCircuitListener): void {
    this.#listener = listener;
  }

  fired(_now: number): void {
    if (!this.#countsFires) return;
    this.#batch.fired();
    this.#schedule(false);
  }

  admit(now: number): number | Promise<number> {
    this.fired(now);
    const state = this.#state;
    if (state === CLOSED) return packAdmission(NORMAL, this.#successMatters, CLOSED);
    const due =
      state === OPEN ? now - this.#openedAt >= this.config.resetTimeoutMs : now >= this.#quietUntil;
    // Claims beyond the places there can be would all be refused: spare Redis the asking.
    if (!due || this.#claimsInFlight >= this.config.halfOpenProbes) {
      return packAdmission(REJECTED, true, state);
    }
    return this.#claim();
  }

  async #claim(): Promise<number> {
    this.#claimsInFlight++;
    try {
      const reply = await this.#host.run('claim', this, [1]);
      this.#apply(reply);
      if (reply.admission === REJECTED && reply.state === HALF_OPEN) {
        this.#quietUntil = this.#clock() + Math.min(this.config.resetTimeoutMs, 1000);
      }
      return packAdmission(reply.admission, true, reply.state);
    } catch {
      // Redis failed as this call asked: the breaker is on its own state from now on,
      // and this one call is turned away rather than sent to a dependency thought down.
      return packAdmission(REJECTED, true, this.#state);
    } finally {
      this.#claimsInFlight--;
    }
  }

  record(
    admission: number,
    failed: boolean,
    durationMs: number,
    _now: number,
    mayOpen: boolean,
  ): number {
    this.#mayOpen = mayOpen;
    if (admission > NORMAL || (!this.config.strictHalfOpen && this.#state === HALF_OPEN)) {
      this.#send('probe', [admission, failed ? 1 : 0]);
      return this.#state;
    }
    this.#batch.add(failed, durationMs >= this.#slowCallMs);
    // A failure may open the circuit for the fleet: report it now; successes can wait.
    this.#schedule(failed);
    return this.#state;
  }

  returnProbe(admission: number): void {
    this.#send('set', [3, admission]);
  }

  refresh(now: number): number {
    if (this.#state === OPEN && now - this.#openedAt >= this.config.resetTimeoutMs) {
      this.#send('claim', [0]);
    }
    return this.#state;
  }

  open(at: number): number {
    const now = this.#clock();
    this.#state = OPEN;
    this.#openedAt = at;
    this.#send('set', [1, Math.max(0, now - at)]);
    return OPEN;
  }

  close(): number {
    this.#state = CLOSED;
    this.#send('set', [0, 0]);
    return CLOSED;
  }

  state(): number {
    return this.#state;
  }

  info(): SharedCircuitInfo {
    return { state: this.#state, openedAt: this.#openedAt, probesLeft: this.#probesLeft };
  }

  leave(): void {
    this.#flushTimer?.cancel();
    this.#flushTimer = undefined;
    this.#host.leave(this);
  }

  // What the store tells it.

  /** Another instance moved the circuit (pub/sub). */
  notice(state: number, ageMs: number, version: number): void {
    this.#apply({
      admission: NORMAL,
      state,
      ageMs,
      round: 0,
      probesLeft: this.#probesLeft,
      version,
    });
  }

  goOffline(): void {
    this.#wasOffline = true;
    this.#batch.take(true); // the fleet will not hear of these; the local state has them
    this.#listener?.offline();
  }

  /**
   * Takes the fleet's state: on joining, after a lost subscription, and when Redis is back
   * after an outage, unless this instance's dependency failed during it (it then opens the
   * fleet's circuit, which heard nothing of those failures).
   */
  async rejoin(afresh = false): Promise<void> {
    // After an outage or a lost connection Redis may have restarted, and a restarted (or
    // expired) circuit's versions start over: forget the last version before asking, so the
    // answer counts, while a notice that overtakes it still wins.
    if (afresh) this.#version = -1;
    let reply = await this.#host.run('claim', this, [0]);
    const sawFailure = this.#wasOffline && this.#listener?.localState() === OPEN;
    this.#wasOffline = false;
    if (sawFailure && reply.state === CLOSED) {
      reply = await this.#host.run('set', this, [1, 0]);
    }
    this.#apply(reply, true);
    this.#listener?.online();
    this.#listener?.changed(this.#state);
  }

  #apply(reply: CircuitReply, quiet = false): void {
    // Replies and notices may arrive out of order (a rejoin's claim sent before a report
    // that opened the circuit, answered after it): an older state is not news.
    if (reply.version < this.#version) return;
    this.#version = reply.version;
    const before = this.#state;
    this.#state = reply.state;
    this.#probesLeft = reply.probesLeft;
    if (reply.state === OPEN) this.#openedAt = this.#clock() - reply.ageMs;
    if (reply.state !== HALF_OPEN) this.#quietUntil = 0;
    if (!quiet && reply.state !== before) this.#listener?.changed(reply.state);
  }

  #send(script: keyof typeof SCRIPTS, args: number[]): void {
    if (!this.#host.online) return;
    this.#host.run(script, this, args).then(
      (reply) => this.#apply(reply),
      () => {}, // the store has gone offline and told the breaker
    );
  }

  #schedule(soon: boolean): void {
    if (this.#flushTimer && (this.#flushSoon || !soon)) return;
    this.#flushTimer?.cancel();
    this.#flushSoon = soon;
    this.#flushTimer = backgroundTimer(
      () => {
        this.#flushTimer = undefined;
        void this.#flush();
      },
      soon ? 0 : this.#host.syncIntervalMs,
    );
  }

  async #flush(): Promise<void> {
    // One report in flight at a time; what arrives meanwhile goes in the next.
    if (this.#flushing || this.#batch.empty) return;
    if (!this.#host.online) {
      this.#batch.take(true);
      return;
    }
    this.#flushing = true;
    try {
      this.#apply(await this.#host.run('report', this, this.#batch.take(this.#mayOpen)));
    } catch {
      // The store has gone offline and told the breaker.
    } finally {
      this.#flushing = false;
      if (!this.#batch.empty) this.#schedule(this.#batch.failures > 0);
    }
  }
}
