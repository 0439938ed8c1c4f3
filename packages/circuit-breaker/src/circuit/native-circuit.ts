import { losslessKey } from '@bulwark/engine-kit';
import type { NativeBinding } from '../native-binding.js';
import type { SharedCircuitConfig } from './rule-config.js';
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

type Handle = ReturnType<NativeBinding['circuitJoin']>;

/** Int32 words of a mirror (see the twin's mirror.rs); `fast_until` is the Float64 at byte 32. */
const STATE = 0;
const ADMISSION = 1;
/** Fires this breaker admitted alone; only this thread writes it (see mirror.rs). */
const FIRES = 2;
/** Failures this breaker may still record alone, granted by the circuit (see mirror.rs). */
const ALLOWANCE = 4;
/** ADMISSION when a closed circuit runs opossum's rule: the only case with a failure budget. */
const ADMIT_UNREPORTED = 1;
/** A mirror's ADMISSION word when the breaker must ask (the twin's `fast_admission`). */
const ASK = 0;
/**
 * `admit`'s packed answer (see packAdmission) for each other ADMISSION word: 1, admit in
 * a closed circuit (success unreported); 2, admit and report the success; 3, reject
 * (open). Small integers only (slot 0 is never read), so V8 keeps them untagged and
 * returns them without allocating.
 */
const ANSWERS = [
  -1,
  packAdmission(NORMAL, false, CLOSED),
  packAdmission(NORMAL, true, CLOSED),
  packAdmission(REJECTED, false, OPEN),
];

/**
 * The circuit named `name` in the native twin's process-wide table: every breaker with
 * that name, in any worker thread, holds the same one. Each method is one call into Rust
 * under the circuit's lock, except most calls in a closed or open circuit: the breaker's
 * mirror (a few words of Rust memory the circuit rewrites after each change) says whether
 * a call may be admitted or rejected, and how many failures cannot open the circuit; the
 * breaker leaves such fires and failures in the mirror for the circuit to count the next
 * time anyone enters it.
 */
export class NativeCircuit implements LocalCircuit {
  readonly #native: NativeBinding;
  readonly #handle: Handle;
  readonly #words: Int32Array;
  readonly #fastUntil: Float64Array;
  readonly #resetTimeoutMs: number;

  constructor(native: NativeBinding, name: string, config: SharedCircuitConfig) {
    this.#native = native;
    this.#resetTimeoutMs = config.resetTimeoutMs;
    try {
      // Lossless through UTF-8: two names must never become one circuit.
      this.#handle = native.circuitJoin(losslessKey(name), config);
    } catch (error) {
      // The twin's message names the circuit and what differs; the type says it is a caller's mistake.
      throw new TypeError((error as Error).message);
    }
    const mirror = native.circuitMirror(this.#handle);
    this.#words = new Int32Array(mirror, 0, 8);
    this.#fastUntil = new Float64Array(mirror, 32, 1);
  }

  fired(now: number): void {
    this.#native.circuitFired(this.#handle, now);
  }

  admit(now: number): number {
    const words = this.#words;
    // Plain reads and a plain increment: the circuit writes the first two atomically and
    // only reads the third; a call racing a transition counts as admitted just before it.
    const admission = words[ADMISSION];
    // Past fastUntil a fire would land in a bucket the circuit has not rotated to, or an
    // open circuit is due to go half-open: ask.
    if (admission !== ASK && now < (this.#fastUntil[0] as number)) {
      words[FIRES] = (words[FIRES] as number) + 1;
      return ANSWERS[admission as number] as number;
    }
    return this.#native.circuitAdmit(this.#handle, now);
  }

  record(
    admission: number,
    failed: boolean,
    durationMs: number,
    now: number,
    mayOpen: boolean,
  ): number {
    const words = this.#words;
    // A failure the circuit's budget says cannot open it (see failure_budget in the twin)
    // is spent from this breaker's allowance, with a compare-and-swap so that the circuit,
    // swapping the allowance out, knows exactly how many were spent; the answer is closed.
    if (failed && admission === NORMAL && words[ADMISSION] === ADMIT_UNREPORTED) {
      const left = words[ALLOWANCE] as number;
      if (
        left > 0 &&
        now < (this.#fastUntil[0] as number) &&
        Atomics.compareExchange(words, ALLOWANCE, left, left - 1) === left
      ) {
        return CLOSED;
      }
    }
    return this.#native.circuitRecord(this.#handle, admission, failed, durationMs, now, mayOpen);
  }

  /**
   * A call that a store (Redis) decided, counted here too without moving the circuit
   * (`mayOpen` false), so that every thread's breakers can break on it if the store goes.
   */
  feed(failed: boolean, durationMs: number, now: number): void {
    this.#native.circuitFired(this.#handle, now);
    this.#native.circuitRecord(this.#handle, NORMAL, failed, durationMs, now, false);
  }

  /** The store went away: the circuit takes the state it last gave (for every thread). */
  adopt(state: number, openedAt: number, now: number): void {
    if (state === CLOSED) this.close();
    else if (state === OPEN) this.open(openedAt);
    else if (state === HALF_OPEN) {
      this.open(now - this.#resetTimeoutMs);
      this.refresh(now);
    }
  }

  returnProbe(admission: number): void {
    this.#native.circuitReturnProbe(this.#handle, admission);
  }

  refresh(now: number): number {
    return this.#native.circuitRefresh(this.#handle, now);
  }

  open(now: number): number {
    return this.#native.circuitOpen(this.#handle, now);
  }

  close(): number {
    return this.#native.circuitClose(this.#handle);
  }

  state(): number {
    return this.#words[STATE] as number;
  }

  info(): SharedCircuitInfo {
    return this.#native.circuitInfo(this.#handle);
  }
}
