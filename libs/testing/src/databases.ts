import { afterAll, beforeAll, describe } from 'vitest';
import { startPostgres, type TestPostgres } from './postgres.ts';
import { startStack, type TestStack } from './stack.ts';

/**
 * Runs the same suite on embedded PGlite and on a real PostgreSQL server: one schema,
 * one set of queries, both must behave alike.
 */
export function describeOnEachDatabase(name: string, suite: (ctx: { stack: () => TestStack }) => void, opts: { gateways?: number; gatewayEnv?: Record<string, string> } = {}) {
  for (const db of ['pglite', 'postgres'] as const) {
    describe(`${name} [${db}]`, () => {
      let stack: TestStack;
      let pg: TestPostgres | undefined;
      beforeAll(async () => {
        if (db === 'postgres') pg = await startPostgres();
        stack = await startStack({ databaseUrl: pg?.url, gateways: opts.gateways, gatewayEnv: opts.gatewayEnv });
      });
      afterAll(async () => {
        await stack?.stop();
        await pg?.stop();
      });
      suite({ stack: () => stack });
    });
  }
}
