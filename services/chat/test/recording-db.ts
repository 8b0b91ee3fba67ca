import type { Database } from '@chat/chat';
import type { PreparedStatement, Row } from '../src/db/database.ts';

/** The real database, recording every prepared statement run through it (name and arguments). */
export function recordingStatements(db: Database): { db: Database; ran: Array<{ name: string; params: unknown[] }> } {
  const ran: Array<{ name: string; params: unknown[] }> = [];
  const recording: Database = {
    ...db,
    run<T extends Row>(s: PreparedStatement, params: unknown[]) {
      ran.push({ name: s.name, params });
      return db.run<T>(s, params);
    },
  };
  return { db: recording, ran };
}
