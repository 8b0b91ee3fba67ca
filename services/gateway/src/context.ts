import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from '@chat/logging';
import type { ChatClient } from '@chat/nats';
import type { TokenService } from './auth/tokens.ts';
import type { GatewayConfig } from './config.ts';
import type { Hub } from './hub/hub.ts';
import type { createRateLimits } from './limits/rate-limits.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { Presence } from './presence/presence.ts';
import type { createTyping } from './typing/typing.ts';
import type { Connection } from './ws/connection.ts';

/** Everything a request handler may use; built once per gateway in app.ts. */
export interface GatewayContext {
  config: Readonly<GatewayConfig>;
  log: Logger;
  serverId: string;
  nc: NatsConnection;
  chat: ChatClient;
  tokens: TokenService;
  hub: Hub<Connection>;
  presence: Presence;
  typing: ReturnType<typeof createTyping>;
  limits: ReturnType<typeof createRateLimits>;
  metrics: GatewayMetrics;
  /** Every open socket, logged in or not. */
  connections: Set<Connection>;
}
