/**
 * Frames bound for the same socket within one turn of the event loop, written with one write.
 *
 * One socket read from NATS holds many fan-out messages, and in a busy room several of them go
 * to the same members: written as they come, each is a write per member, and a write to a TCP
 * socket (about 5 us of CPU on loopback) was most of the gateway's cost per delivery. Held
 * until the turn ends (a microtask, which runs before any I/O: no added latency), a member's
 * frames leave in one write, in the order they were sent.
 */
export class TurnWrites<T> {
  private readonly waiting = new Map<T, Buffer | Buffer[]>();

  constructor(private readonly write: (target: T, bytes: Buffer) => void) {}

  add(target: T, bytes: Buffer): void {
    const held = this.waiting.get(target);
    if (held === undefined) {
      if (this.waiting.size === 0) queueMicrotask(this.flushAll);
      this.waiting.set(target, bytes);
    } else if (Array.isArray(held)) held.push(bytes);
    else this.waiting.set(target, [held, bytes]);
  }

  /** Writes what `target` holds now: before anything that must follow it, such as a close frame. */
  flush(target: T): void {
    const held = this.waiting.get(target);
    if (held === undefined) return;
    this.waiting.delete(target);
    this.write(target, joined(held));
  }

  private readonly flushAll = (): void => {
    for (const [target, held] of this.waiting) this.write(target, joined(held));
    this.waiting.clear();
  };
}

function joined(held: Buffer | Buffer[]): Buffer {
  return Array.isArray(held) ? Buffer.concat(held) : held;
}
