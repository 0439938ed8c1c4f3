import { CircuitState, type IBreaker } from 'cockatiel';
import type { BulwarkBreaker } from '../breakers/types.js';
import {
  CLOSED,
  HALF_OPEN,
  type LocalCircuit,
  NORMAL,
  OPEN,
  packAdmission,
  REJECTED,
  type SharedCircuitInfo,
} from './shared-circuit.js';

export interface JsCircuitOptions {
  /** The rule that opens the circuit (opossum's rolling percentage by default). */
  rule: IBreaker & Partial<BulwarkBreaker>;
  resetTimeoutMs: number;
  halfOpenProbes: number;
  strictHalfOpen: boolean;
  /** Whether enough calls were fired in the rolling window for the rule to open it (volumeThreshold). */
  volumeReached: () => boolean;
}

/**
 * The js engine's circuit: the state machine of one breaker object, in this object. The
 * breaker holds one circuit (this, the native twin's, or one in Redis) and delegates to
 * it; this one is also what a breaker on a Redis store breaks on while Redis is away, so
 * its rule is fed every outcome all along (`feed`).
 *
 * Half-open rounds are numbered, so a probe admitted in an earlier round cannot decide
 * this one; `strictHalfOpen: false` restores opossum's rule (any call decides).
 */
export class JsCircuit implements LocalCircuit {
  readonly #o: JsCircuitOptions;
  /** Handed to the rule with each result; it reads it and keeps nothing. */
  readonly #outcome = { durationMs: 0 };
  #state = CLOSED;
  #openedAt = 0;
  #round = 0;
  #probesLeft = 0;
  #probeSuccesses = 0;
  #lastProbeAt = 0;

  constructor(options: JsCircuitOptions) {
    this.#o = options;
  }

  /** Fires are counted by the breaker's statistics, which the rule reads. */
  fired(_now: number): void {}

  admit(now: number): number {
    const state = this.#state;
    if (state === CLOSED) return ADMIT_CLOSED;
    // The reset timer may not have run yet (a busy loop, or an injected clock).
    if (state === OPEN && now - this.#openedAt >= this.#o.resetTimeoutMs) this.halfOpenNow(now);
    if (this.#state !== HALF_OPEN) return REJECT_OPEN;
    if (this.#probesLeft > 0) {
      this.#probesLeft--;
      this.#lastProbeAt = now;
      return packAdmission(this.#round, true, HALF_OPEN);
    }
    // A probe that has not settled within resetTimeout hands its place to this call,
    // so a hung probe (with no timeout set) cannot hold the circuit half-open for ever.
    if (
      this.#o.strictHalfOpen &&
      this.#probeSuccesses < this.#o.halfOpenProbes &&
      now - this.#lastProbeAt >= this.#o.resetTimeoutMs
    ) {
      this.#lastProbeAt = now;
      return packAdmission(this.#round, true, HALF_OPEN);
    }
    return packAdmission(REJECTED, true, HALF_OPEN);
  }

  record(
    admission: number,
    failed: boolean,
    durationMs: number,
    now: number,
    mayOpen: boolean,
  ): number {
    const outcome = this.#outcome;
    outcome.durationMs = durationMs;
    const rule = this.#o.rule;
    if (this.#decidesHalfOpen(admission)) {
      if (failed) {
        rule.failure(CircuitState.HalfOpen, outcome);
        this.open(now);
      } else {
        rule.success(CircuitState.HalfOpen, outcome);
        if (++this.#probeSuccesses >= this.#o.halfOpenProbes || !this.#o.strictHalfOpen) {
          this.close();
        }
      }
      return this.#state;
    }
    if (failed) {
      const trips = rule.failure(CircuitState.Closed, outcome);
      if (trips && this.#state === CLOSED && mayOpen && this.#o.volumeReached()) this.open(now);
    } else {
      rule.success(CircuitState.Closed, outcome);
      if (
        this.#state === CLOSED &&
        rule.shouldOpenAfterSuccess?.() &&
        mayOpen &&
        this.#o.volumeReached()
      ) {
        this.open(now);
      }
    }
    return this.#state;
  }

  /** Keeps the rule warm while another circuit (Redis) decides, for when it goes away. */
  feed(failed: boolean, durationMs: number, _now: number): void {
    const outcome = this.#outcome;
    outcome.durationMs = durationMs;
    if (failed) this.#o.rule.failure(CircuitState.Closed, outcome);
    else this.#o.rule.success(CircuitState.Closed, outcome);
  }

  returnProbe(_admission: number): void {
    this.#probesLeft++;
  }

  refresh(now: number): number {
    if (this.#state === OPEN && now - this.#openedAt >= this.#o.resetTimeoutMs)
      this.halfOpenNow(now);
    return this.#state;
  }

  /** A new half-open round now: the breaker's reset timer says resetTimeout has passed. */
  halfOpenNow(now: number): number {
    this.#state = HALF_OPEN;
    this.#round++;
    this.#probesLeft = this.#o.halfOpenProbes;
    this.#probeSuccesses = 0;
    this.#lastProbeAt = now;
    return this.#state;
  }

  open(now: number): number {
    if (this.#state !== OPEN) {
      this.#state = OPEN;
      this.#openedAt = now;
      this.#probesLeft = 0;
    }
    return this.#state;
  }

  close(): number {
    if (this.#state !== CLOSED) {
      this.#state = CLOSED;
      this.#probesLeft = 0;
      this.#o.rule.reset?.();
    }
    return this.#state;
  }

  state(): number {
    return this.#state;
  }

  info(): SharedCircuitInfo {
    return { state: this.#state, openedAt: this.#openedAt, probesLeft: this.#probesLeft };
  }

  /**
   * Takes over from a circuit that went away (Redis): the state it last gave, opened when
   * it said; a half-open circuit starts a round of its own.
   */
  adopt(state: number, openedAt: number, now: number): void {
    this.#openedAt = openedAt;
    if (state === HALF_OPEN) this.halfOpenNow(now);
    else {
      this.#state = state;
      this.#probesLeft = 0;
    }
  }

  /** Whether a result decides the half-open circuit: a probe of this round, or any call in opossum mode. */
  #decidesHalfOpen(admission: number): boolean {
    if (this.#state !== HALF_OPEN) return false;
    return this.#o.strictHalfOpen ? admission === this.#round : true;
  }
}

/** `admit`'s packed answers for the two states that need no work (see packAdmission). */
const ADMIT_CLOSED = packAdmission(NORMAL, true, CLOSED);
const REJECT_OPEN = packAdmission(REJECTED, true, OPEN);
