import { AppError, type ChatRpc } from '@chat/contracts';
import { isUnknownMethod, replyError, type ChatClient } from '@chat/nats';

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
 * The gateway's chat client, with the `message.send` calls of one event-loop turn (all sockets)
 * going out as one `message.sendMany` request. A request and its reply cost the gateway,
 * nats-server and chat about the same for one send or many (docs/performance.md item 26);
 * under load a turn reads several sockets. A lone send still goes as `message.send`, and each
 * send gets its own ack or error; if the request fails (timeout, chat away), every send in it
 * fails with that error, as each would have alone, and a chat service that does not know
 * `message.sendMany` yet gets the sends one by one.
 */
export function batchingSends(chat: ChatClient): ChatClient {
  let queue: PendingSend[] = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    if (batch.length > 0) void request(chat, batch);
  };
  const send = (req: SendReq) =>
    new Promise<SendRes>((resolve, reject) => {
      if (queue.push({ req, resolve, reject }) === 1) setImmediate(flush);
      else if (queue.length === MAX_SENDS_PER_REQUEST) flush();
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
