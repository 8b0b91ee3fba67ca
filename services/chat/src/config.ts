import { z } from 'zod';
import { BaseConfig } from '@chat/config';

export const ChatConfig = BaseConfig.extend({
  DATABASE_URL: z.string().optional().describe('PostgreSQL URL; when unset the embedded PGlite is used'),
  DATA_DIR: z.string().default('./.data').describe('data directory (PGlite files, embedded NATS store)'),
  HEALTH_PORT: z.coerce.number().int().min(0).default(0).describe('port of /health, /ready and /metrics (0: a free port)'),
  STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1).describe('JetStream replicas of the event stream'),
  CHAT_FAULT: z.enum(['none', 'crash-before-publish']).default('none').describe('test only: crash after a commit, before its events are published'),
});
export type ChatConfig = z.infer<typeof ChatConfig>;
