import { AppError, type ChatRpc } from '@chat/contracts';
import { isUnknownMethod, replyError, type ChatClient } from '@chat/nats';
import { createEventRate } from '@chat/runtime';

type SendReq = ChatRpc['message.send']['req'];
type SendRes = ChatRpc['message.send']['res'];
interface PendingSend {
  req: SendReq;
  resolve: (res: SendRes) => void;
  reject: (err: unknown) => void;
}

/** Sends per request: 32 texts of at most 4,000 characters stay far below NATS's 1 MB payload. */
export const MAX_SENDS_PER_REQUEST = 32;

/**
 * Under load a request gathers sends for BUSY_GATHER_MS instead of one event-loop turn. At 1,500
 * sends/s a turn reads 1.7 sends on average, and each request and its reply wake nats-server,
 * chat and the gateway again, while chat's group commit waits 4 ms for company anyway. S4 on
 * PGlite at a fixed 1,500 msg/s: 450-506 against 504-581 us of CPU per message for the whole
 * stack, ack p99 34-47 against 52-114 ms (three rounds each, alternating); 2 ms saved no more
 * and added 2-3 ms to the ack p50. "Busy" is more than BUSY_SENDS_PER_SEC, so at S1's 200
 * sends/s nothing waits.
 */
const BUSY_GATHER_MS = 1;
const BUSY_SENDS_PER_SEC = 1000;

/**
 * The gateway's chat client, with the `message.send` calls of one event-loop turn (all
 * sockets), or under load of about a millisecond, going out as one `message.sendMany` request.
 * A request and its reply cost the gateway, nats-server and chat about the same for one send
 * or many (docs/performance.md item 26); under load a turn reads several sockets. A lone send
 * still goes as `message.send`, and each send gets its own ack or error; if the request fails
 * (timeout, chat away), every send in it fails with that error, as each would have alone, and
 * a chat service that does not know `message.sendMany` yet gets the sends one by one.
 */
export function batchingSends(chat: ChatClient): ChatClient {
  let queue: PendingSend[] = [];
  // Which queue a scheduled flush is for: a full queue leaves early, and its timer must not
  // cut the next queue short.
  let generation = 0;
  const sendRate = createEventRate();
  const flush = () => {
    const batch = queue;
    queue = [];
    generation++;
    void request(chat, batch);
  };
  const flushLater = () => {
    const mine = generation;
    const flushMine = () => mine === generation && flush();
    if (sendRate.perSecond() > BUSY_SENDS_PER_SEC) setTimeout(flushMine, BUSY_GATHER_MS);
    else setImmediate(flushMine);
  };
  const send = (req: SendReq) =>
    new Promise<SendRes>((resolve, reject) => {
      sendRate.add(1);
      const queued = queue.push({ req, resolve, reject });
      if (queued === MAX_SENDS_PER_REQUEST) flush();
      else if (queued === 1) flushLater();
    });
  return (method, req) => (method === 'message.send' ? (send(req as SendReq) as Promise<ChatRpc[typeof method]['res']>) : chat(method, req));
}

async function request(chat: ChatClient, batch: PendingSend[]): Promise<void> {
  if (batch.length === 1) {
    const [only] = batch as [PendingSend];
    return chat('message.send', only.req).then(only.resolve, only.reject);
  }
  try {
    const { results } = await chat('message.sendMany', { sends: batch.map((p) => p.req) });
    batch.forEach((p, i) => {
      const r = results[i];
      if (!r) p.reject(new AppError('INTERNAL', 'chat service answered fewer sends than asked'));
      else if (r.ok) p.resolve(r.result);
      else p.reject(replyError(r.error));
    });
  } catch (err) {
    // A chat service older than message.sendMany (a rolling upgrade): one request per send.
    if (isUnknownMethod(err)) for (const p of batch) chat('message.send', p.req).then(p.resolve, p.reject);
    else for (const p of batch) p.reject(err);
  }
}
