/**
 * Per-connection request cap in fixed one-second windows. A connection over the cap in
 * `strikes` consecutive windows is to be closed (a flood, not a burst). Pure: time is passed in.
 */
export class WindowCap {
  private windowStart = 0;
  private count = 0;
  private overInWindow = false;
  private consecutive = 0;

  constructor(
    private readonly perSec: number,
    private readonly strikes = 3,
  ) {}

  hit(now: number): { ok: true } | { ok: false; retryAfterMs: number; close: boolean } {
    const start = now - (now % 1000);
    if (start !== this.windowStart) {
      const previousWasOver = this.overInWindow && start - this.windowStart === 1000;
      this.consecutive = previousWasOver ? this.consecutive : 0;
      this.windowStart = start;
      this.count = 0;
      this.overInWindow = false;
    }
    this.count += 1;
    if (this.count <= this.perSec) return { ok: true };
    if (!this.overInWindow) {
      this.overInWindow = true;
      this.consecutive += 1;
    }
    return { ok: false, retryAfterMs: start + 1000 - now, close: this.consecutive >= this.strikes };
  }
}
