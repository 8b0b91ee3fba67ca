import type { Message } from '@chat/contracts';
import { prepared, type Sql } from '../db/database.ts';
import { MESSAGE_COLUMNS, toMessage } from '../rooms/rows.ts';

export interface Page {
  messages: Message[];
  hasMore: boolean;
}

const LATEST = prepared('chat_history_latest', ['text', 'bigint', 'int'], `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE room_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`);
const PAGE = prepared('chat_history_page', ['text', 'bigint', 'bigint', 'int'], `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE room_id = $1 AND seq > $2 AND seq < $3 ORDER BY seq ASC LIMIT $4`);

/** The latest `limit` messages (below `before` when given), oldest first. */
export async function readLatest(q: Sql, roomId: string, limit: number, before?: number): Promise<Page> {
  const rows = await q.run(LATEST, [roomId, before ?? Number.MAX_SAFE_INTEGER, limit + 1]);
  const hasMore = rows.length > limit;
  return { messages: rows.slice(0, limit).reverse().map(toMessage), hasMore };
}

/** The first `limit` messages strictly after `after` (and below `before`), oldest first. */
export async function readPage(q: Sql, roomId: string, range: { after: number; before?: number; limit: number }): Promise<Page> {
  const rows = await q.run(PAGE, [roomId, range.after, range.before ?? Number.MAX_SAFE_INTEGER, range.limit + 1]);
  const hasMore = rows.length > range.limit;
  return { messages: rows.slice(0, range.limit).map(toMessage), hasMore };
}
