import type { Connection } from './connection.ts';

/**
 * One timer per gateway, not per socket: every interval each connection is pinged; one that
 * answered none of the last two pings is terminated (no close frame: the peer sees 1006).
 */
export function startHeartbeat(connections: ReadonlySet<Connection>, intervalMs: number): () => void {
  const timer = setInterval(() => {
    for (const conn of connections) {
      if (conn.missedPongs >= 2) {
        conn.socket.terminate();
        continue;
      }
      conn.missedPongs += 1;
      conn.socket.ping();
    }
  }, intervalMs);
  return () => clearInterval(timer);
}
