/**
 * Finished calls not yet reported to Redis. One report carries many calls, so a busy
 * breaker makes a few Redis calls a second rather than one per call. For the consecutive
 * rule the order matters, so the batch keeps the runs of failures: before its first
 * success (`lead`), the longest (`maxRun`) and after its last success (`trailing`).
 */
export class OutcomeBatch {
  fires = 0;
  calls = 0;
  failures = 0;
  slow = 0;
  lead = 0;
  maxRun = 0;
  trailing = 0;
  hadSuccess = false;

  get empty(): boolean {
    return this.fires === 0 && this.calls === 0;
  }

  fired(): void {
    this.fires++;
  }

  add(failed: boolean, slow: boolean): void {
    this.calls++;
    if (slow) this.slow++;
    if (!failed) {
      this.hadSuccess = true;
      this.trailing = 0;
      return;
    }
    this.failures++;
    this.trailing++;
    if (!this.hadSuccess) this.lead++;
    if (this.trailing > this.maxRun) this.maxRun = this.trailing;
  }

  /** The report's arguments (the REPORT script's order), and a fresh batch. */
  take(mayOpen: boolean): number[] {
    const args = [
      this.fires,
      this.calls,
      this.failures,
      this.slow,
      this.lead,
      this.maxRun,
      this.trailing,
      this.hadSuccess ? 1 : 0,
      mayOpen ? 1 : 0,
    ];
    this.fires = 0;
    this.calls = 0;
    this.failures = 0;
    this.slow = 0;
    this.lead = 0;
    this.maxRun = 0;
    this.trailing = 0;
    this.hadSuccess = false;
    return args;
  }
}
