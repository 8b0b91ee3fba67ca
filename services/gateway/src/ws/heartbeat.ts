import { startSpreadSweep } from '../spread-sweep.ts';
import type { Connection } from './connection.ts';

/**
 * One sweep per gateway, not a timer per socket: every interval each connection is pinged, a
 * slice of them a second; one that answered none of its last two pings is terminated (no close
 * frame: the peer sees 1006).
 */
export function startHeartbeat(connections: ReadonlySet<Connection>, intervalMs: number): () => void {
  return startSpreadSweep(connections, intervalMs, (conn) => {
    if (conn.missedPongs >= 2) {
      conn.socket.terminate();
      return;
    }
    conn.missedPongs += 1;
    conn.ping();
  });
}
