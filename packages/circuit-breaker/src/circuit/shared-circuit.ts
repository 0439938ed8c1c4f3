/**
 * A circuit whose state lives outside one breaker object (in the native twin, shared by
 * every worker thread): the state machine, the rule's window and the half-open probes.
 * The breaker asks it for admission and tells it outcomes; each answer carries the state,
 * so the breaker sees transitions made by others and emits its events for them.
 *
 * States are numbered as in the breaker: 0 closed, 1 open, 2 half-open.
 */
export interface SharedCircuit {
  /** Counts a call answered without admission (disabled breaker, cache hit) as fired. */
  fired(now: number): void;
  /**
   * Admission and state, packed: see `unpackAdmission` and `unpackState`. A circuit in
   * Redis answers with a promise when it must claim a half-open probe's place there.
   */
  admit(now: number): number | Promise<number>;
  /** Records a finished call; returns the state after it. */
  record(
    admission: number,
    failed: boolean,
    durationMs: number,
    now: number,
    mayOpen: boolean,
  ): number;
  /** A probe that could not run gives its place back. */
  returnProbe(admission: number): void;
  /** Moves an open circuit whose resetTimeout has passed to half-open; returns the state. */
  refresh(now: number): number;
  open(now: number): number;
  close(): number;
  state(): number;
  /** When the circuit last opened (ms, the breaker's clock), and probes left this round. */
  info(): SharedCircuitInfo;
}

/**
 * The circuit of the breaker's own engine (js, or the native twin's), which also stands
 * in for a circuit kept in a store (Redis) while the store is away.
 */
export interface LocalCircuit extends SharedCircuit {
  /** Counts a finished call without letting it move the circuit: kept warm while a store decides. */
  feed(failed: boolean, durationMs: number, now: number): void;
  /** Takes over from a store that went away: the state it last gave, opened when it said. */
  adopt(state: number, openedAt: number, now: number): void;
}

export interface SharedCircuitInfo {
  state: number;
  openedAt: number;
  probesLeft: number;
}

/** The states of a circuit, as the breaker, the twin and the Redis scripts number them. */
export const CLOSED = 0;
export const OPEN = 1;
export const HALF_OPEN = 2;

/** Admission of a call: a normal call, or none; a probe of a half-open round is > 0. */
export const NORMAL = 0;
export const REJECTED = -1;

/**
 * A normal admission whose success changes nothing in the shared circuit (opossum's rule
 * in a closed circuit looks only at fires and failures), so the breaker need not report it.
 */
export const UNREPORTED_SUCCESS = -2;

/**
 * `admit` packs `(admission + 1) * 8 + successMatters * 4 + state`, so one boundary
 * crossing answers all three.
 */
export function unpackState(packed: number): number {
  return packed % 4;
}

/** The admission: -1 rejected, 0 normal, > 0 a probe's round, or UNREPORTED_SUCCESS. */
export function unpackAdmission(packed: number): number {
  const admission = Math.floor(packed / 8) - 1;
  return admission === 0 && packed % 8 < 4 ? UNREPORTED_SUCCESS : admission;
}

/** Packs an admission the way `admit` answers (see `unpackAdmission`). */
export function packAdmission(admission: number, successMatters: boolean, state: number): number {
  return (admission + 1) * 8 + (successMatters ? 4 : 0) + state;
}

/** What a circuit kept in another process tells the breaker that holds it. */
export interface RemoteCircuitListener {
  /** The circuit moved: a reply or a notice from another instance said so. */
  changed(state: number): void;
  /** The store stopped answering: break on this instance's own state meanwhile. */
  offline(): void;
  /** The store answers again; `changed` follows with the fleet's state. */
  online(): void;
  /** This instance's state, which a rejoin weighs against the fleet's. */
  localState(): number;
}

/** A shared circuit kept in a store (Redis), which may go away and come back. */
export interface RemoteCircuit extends SharedCircuit {
  listen(listener: RemoteCircuitListener): void;
  /** The breaker is shut down: stop reporting for it. */
  leave(): void;
}

/** Where breakers given `store` keep their circuits: `redisStore({ client })`. */
export interface CircuitStore {
  join(
    name: string,
    config: import('./rule-config.js').SharedCircuitConfig,
    clock: () => number,
  ): RemoteCircuit;
}
