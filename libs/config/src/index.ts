import { z } from 'zod';

/** Settings every service shares. Each service extends this and parses env once in main.ts. */
export const BaseConfig = z.object({
  NATS_URL: z.string().default('nats://127.0.0.1:4222').describe('NATS server URL(s), comma separated'),
  NATS_USER: z.string().optional().describe('NATS username, when the server requires credentials'),
  NATS_PASS: z.string().optional().describe('NATS password'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  SERVER_ID: z.string().optional().describe('instance name; defaults to <service>-<random>'),
});
export type BaseConfig = z.infer<typeof BaseConfig>;

/**
 * Parses env with a service's schema. On failure prints every problem and exits 1:
 * a service must not start on a half-valid configuration.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, service: string): Readonly<z.infer<S>> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    process.stderr.write(`${service}: invalid configuration\n${z.prettifyError(parsed.error)}\n`);
    process.exit(1);
  }
  return Object.freeze(parsed.data);
}

/** Lists a schema's variables with their defaults and descriptions (for the README table). */
export function describeConfig(schema: z.ZodObject): Array<{ name: string; default: string; description: string }> {
  return Object.entries(schema.shape).map(([name, field]) => {
    const type = field as z.ZodType;
    const parsed = type.safeParse(undefined);
    const fallback = parsed.success && parsed.data !== undefined ? String(parsed.data) : '';
    return { name, default: fallback, description: type.description ?? '' };
  });
}
