import { createServer } from 'node:http';
import type { Registry } from 'prom-client';

export type ReadinessCheck = () => Promise<string | undefined>;

/**
 * /health, /ready and /metrics for services without an HTTP API of their own (chat,
 * broadcast). A check returns undefined when fine, else the reason it is not.
 */
export async function startHealthServer(opts: {
  port: number;
  serverId: string;
  checks: Record<string, ReadinessCheck>;
  registry: Registry;
}): Promise<{ port: number; close(): Promise<void> }> {
  const started = Date.now();
  const server = createServer(async (req, res) => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.url === '/health') return send(200, { status: 'ok', serverId: opts.serverId, uptimeS: Math.round((Date.now() - started) / 1000) });
    if (req.url === '/ready') {
      const { ready, checks } = await runChecks(opts.checks);
      return send(ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', checks });
    }
    if (req.url === '/metrics') return send(200, await opts.registry.metrics(), opts.registry.contentType);
    send(404, { error: { code: 'NOT_FOUND', message: 'not found' } });
  });
  await new Promise<void>((resolve) => server.listen(opts.port, '0.0.0.0', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function runChecks(checks: Record<string, ReadinessCheck>): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        return [name, (await check()) ?? 'ok'] as const;
      } catch (err) {
        return [name, err instanceof Error ? err.message : String(err)] as const;
      }
    }),
  );
  return { ready: entries.every(([, v]) => v === 'ok'), checks: Object.fromEntries(entries) };
}
