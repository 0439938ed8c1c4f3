/**
 * At most `limit` units in flight per key. Each admitted unit is a lease that ends when
 * it is refunded, or by itself after `leaseMs`, so a holder that crashed or forgot to
 * release cannot hold its place for ever. Not a rate: pair it with `wrap`, which releases
 * when the call settles.
 */
export class Concurrency {
  readonly name = 'concurrency';
  readonly limit: number;
  readonly leaseMs: number;
  /** The two numbers the native twin builds the same limit from. */
  readonly params: readonly [number, number];
  /** The algorithm and its parameters: what keeps limiters with other rules apart in a shared store. */
  readonly rule: string;

  constructor(limit: number, leaseMs: number) {
    this.limit = limit;
    this.leaseMs = leaseMs;
    this.params = [limit, leaseMs];
    this.rule = `${this.name}:${this.params[0]}/${this.params[1]}`;
  }
}
