import type { NativeBinding } from '../native-binding.js';
import type { SharedCircuitConfig } from './rule-config.js';
import type { SharedCircuit, SharedCircuitInfo } from './shared-circuit.js';

type Handle = ReturnType<NativeBinding['circuitJoin']>;

/**
 * The circuit named `name` in the native twin's process-wide table: every breaker with
 * that name, in any worker thread, holds the same one. Each method is one call into Rust
 * under the circuit's lock.
 */
export class NativeCircuit implements SharedCircuit {
  readonly #native: NativeBinding;
  readonly #handle: Handle;

  constructor(native: NativeBinding, name: string, config: SharedCircuitConfig) {
    this.#native = native;
    try {
      this.#handle = native.circuitJoin(name, config);
    } catch (error) {
      // The twin's message names the circuit and what differs; the type says it is a caller's mistake.
      throw new TypeError((error as Error).message);
    }
  }

  fired(now: number): void {
    this.#native.circuitFired(this.#handle, now);
  }

  admit(now: number): number {
    return this.#native.circuitAdmit(this.#handle, now);
  }

  record(
    admission: number,
    failed: boolean,
    durationMs: number,
    now: number,
    mayOpen: boolean,
  ): number {
    return this.#native.circuitRecord(this.#handle, admission, failed, durationMs, now, mayOpen);
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
    return this.#native.circuitState(this.#handle);
  }

  info(): SharedCircuitInfo {
    return this.#native.circuitInfo(this.#handle);
  }
}
