// Docker HEALTHCHECK: GET /health of the service this container runs. The gateway answers
// on PORT; chat and broadcast on HEALTH_PORT (their own small health server).
// Exit 0 healthy, 1 not. Plain JS: it must start fast and needs no tsx.
const service = process.env.SERVICE ?? 'gateway';
const port = service === 'gateway' ? (process.env.PORT ?? '3000') : (process.env.HEALTH_PORT ?? '');
const path = process.argv[2] ?? '/health';

if (!/^[1-9][0-9]*$/.test(port)) {
  console.error(`healthcheck: no fixed port for ${service} (HEALTH_PORT=${port || 'unset'})`);
  process.exit(1);
}
try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2500) });
  if (!res.ok) console.error(`healthcheck: ${path} answered ${res.status}`);
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  console.error(`healthcheck: ${path} failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
