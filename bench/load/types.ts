import type { SerializedHistogram } from './histogram.ts';

/** One simulated client: a user in one room. */
export interface ConnSpec {
  username: string;
  url: string;
  roomId: string;
  /** Creates the room (room.create) instead of joining it. */
  owner: boolean;
  /** Takes part in sending; in a storm, senders stay connected. */
  sender: boolean;
  /** Loopback source address (127.0.0.x) when one address would run out of ports. */
  localAddress?: string;
}

export interface WorkerInit {
  workerId: number;
  conns: ConnSpec[];
}

export type CommandName = 'connect' | 'rooms' | 'run' | 'stopRun' | 'settle' | 'verify' | 'storm' | 'close';
export interface Command {
  id: number;
  cmd: CommandName;
  args: unknown;
}

export interface ConnectResult {
  ok: number;
  failed: number;
  errors: string[];
  loginLatency: SerializedHistogram;
  elapsedMs: number;
}

export interface SettleResult {
  acked: Record<string, number[]>;
  errors: Record<string, number>;
  unanswered: number;
  ackLatency: SerializedHistogram;
}

export interface PhaseStats {
  deliveries: number;
  measuredDeliveries: number;
  latency: SerializedHistogram;
  firstDeliveryAt: number;
  lastDeliveryAt: number;
  sent: number;
  sendLagMaxMs: number;
  /** Close codes of connections that closed on their own (e.g. 1013 slow consumer). */
  closes: Record<string, number>;
}

export interface VerifyResult {
  lost: number;
  lostConns: number;
  duplicates: number;
  outOfOrder: number;
  stats: PhaseStats;
}

export interface StormResult {
  dropped: number;
  failed: number;
  retries: number;
  recoveredMessages: number;
  errors: string[];
  dropAt: number;
  reconnect: SerializedHistogram;
  recovery: SerializedHistogram;
}
