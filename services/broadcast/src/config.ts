import { z } from 'zod';
import { BaseConfig } from '@chat/config';

export const BroadcastConfig = BaseConfig.extend({
  HEALTH_PORT: z.coerce.number().int().min(0).default(0).describe('port of /health, /ready and /metrics (0: a free port)'),
  STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1).describe('JetStream replicas of the event stream'),
});
