import * as internal from '@nats-io/nats-core/internal';
import type { RequestOne } from '@nats-io/nats-core/internal';

/**
 * nats.js 3.4 ends every answered request with `cancel()`, which rejects the request's
 * already-resolved promise with a new RequestError: a stack trace built and thrown away per
 * reply, 2-3 % of the gateway's and the chat service's profiles at 1,500 msg/s (S4; the
 * gateway's CPU per message 155 -> 150 us, docs/performance.md item 24). Once the reply has
 * settled the request, its cleanup here is the same minus that error. Requests that time out
 * or are cancelled unanswered take the library's own path. Installed once, for every
 * connection in the process; a nats.js whose internals no longer look like this is left as
 * it is (the test then fails).
 */
const settled = Symbol('settled');

type Patched = RequestOne & { [settled]?: true };

let installed = false;

export function skipErrorOnSettledRequests(): void {
  const proto = (internal as { RequestOne?: typeof RequestOne }).RequestOne?.prototype;
  if (installed || typeof proto?.resolver !== 'function' || typeof proto.cancel !== 'function') return;
  installed = true;
  const { resolver, cancel } = proto;
  proto.resolver = function (this: Patched, err, msg) {
    this[settled] = true;
    resolver.call(this, err, msg);
  };
  proto.cancel = function (this: Patched, err) {
    if (err !== undefined || !this[settled]) return cancel.call(this, err);
    this.timer?.cancel();
    this.mux.cancel(this);
  };
}
