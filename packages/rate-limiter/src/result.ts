/** What `consume` answers. Being limited is an answer, not an error. */
export interface RateLimitResult {
  allowed: boolean;
  /** Units still available right after this call. */
  remaining: number;
  /** The most the key may spend at once: the burst, the window's limit, or the concurrency. */
  limit: number;
  /** ms until the key is back to its full allowance. */
  resetMs: number;
  /** ms until this cost could be admitted; 0 when it was. */
  retryAfterMs: number;
}
