/** Where a resource is in its life, as the pool tracks it. */
export type ResourceState = 'idle' | 'borrowed' | 'validating' | 'returning' | 'destroyed';

/** The pool's record of one resource it created. */
export class PooledResource<T> {
  state: ResourceState = 'idle';
  /** When it was created, and when it last became idle (the evictor's idle time), in ms. */
  readonly createdAt: number;
  lastIdleAt: number;
  /** How many times it has been lent. */
  uses = 0;
  /** Settles when the current loan ends (`drain` waits on it). */
  loanEnded: Promise<void> | undefined;
  endLoan: (() => void) | undefined;

  constructor(
    readonly resource: T,
    now: number,
  ) {
    this.createdAt = now;
    this.lastIdleAt = now;
  }

  lend(): void {
    this.state = 'borrowed';
    this.uses++;
    this.loanEnded = new Promise((resolve) => {
      this.endLoan = resolve;
    });
  }

  returned(now: number): void {
    this.endLoan?.();
    this.endLoan = undefined;
    this.loanEnded = undefined;
    this.lastIdleAt = now;
  }
}
