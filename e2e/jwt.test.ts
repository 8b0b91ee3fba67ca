import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK } from 'jose';
import { startStack, TestClient, type RunningGateway, type TestStack } from '@chat/testing';

const SECRET = 'jwt-test-secret-0123456789abcdef';
const enc = new TextEncoder();
let stack: TestStack;
let hs: RunningGateway;
let jwksGw: RunningGateway;
let jwksServer: Server;
let keys: JWK[] = [];
let rsa: Awaited<ReturnType<typeof generateKeyPair>>;

function hsToken(claims: Record<string, unknown>, opts: { secret?: string; exp?: string | number; iss?: string; aud?: string; nbf?: number } = {}) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(String(claims.sub ?? 'user-1')).setIssuedAt();
  jwt.setIssuer(opts.iss ?? 'chat-tests').setAudience(opts.aud ?? 'chat');
  jwt.setExpirationTime(opts.exp ?? '1h');
  if (opts.nbf) jwt.setNotBefore(opts.nbf);
  return jwt.sign(enc.encode(opts.secret ?? SECRET));
}

async function rsToken(kid: string, key = rsa.privateKey, sub = 'rs-user') {
  return new SignJWT({ name: 'RS User' }).setProtectedHeader({ alg: 'RS256', kid }).setSubject(sub).setExpirationTime('1h').sign(key);
}

beforeAll(async () => {
  rsa = await generateKeyPair('RS256');
  keys = [{ ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }];
  jwksServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  const port = (jwksServer.address() as { port: number }).port;
  stack = await startStack({ gateways: 0 });
  hs = await stack.startGateway({ AUTH_MODE: 'jwt', JWT_SECRET: SECRET, JWT_ISSUER: 'chat-tests', JWT_AUDIENCE: 'chat' });
  jwksGw = await stack.startGateway({ AUTH_MODE: 'jwt', JWT_SECRET: undefined, JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json` });
});
afterAll(async () => {
  await stack?.stop();
  jwksServer?.close();
});

async function loginWith(gw: RunningGateway, token: string) {
  const c = await TestClient.connect(gw.wsUrl);
  const reply = await c.request('auth.login', { token });
  return { c, reply };
}

describe('AUTH_MODE=jwt with HS256', () => {
  it('accepts a good token: sub is the userId, preferred_username the username', async () => {
    const { c, reply } = await loginWith(hs, await hsToken({ sub: 'u-42', preferred_username: 'jwt.user' }));
    expect(reply).toMatchObject({ type: 'auth.success', data: { userId: 'u-42', username: 'jwt.user' } });
    await c.close();
  });

  it.each([
    ['wrong key', () => hsToken({ sub: 'x' }, { secret: 'another-secret-0123456789abcdef' })],
    ['expired', () => hsToken({ sub: 'x' }, { exp: Math.floor(Date.now() / 1000) - 60 })],
    ['wrong issuer', () => hsToken({ sub: 'x' }, { iss: 'evil' })],
    ['wrong audience', () => hsToken({ sub: 'x' }, { aud: 'other' })],
    ['nbf in the future', () => hsToken({ sub: 'x' }, { nbf: Math.floor(Date.now() / 1000) + 3600 })],
    ['alg none', async () => `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', iss: 'chat-tests', aud: 'chat', exp: 9e9 })).toString('base64url')}.`],
    ['tampered payload', async () => {
      const [h, , s] = (await hsToken({ sub: 'x' })).split('.');
      return `${h}.${Buffer.from(JSON.stringify({ sub: 'admin', iss: 'chat-tests', aud: 'chat', exp: 9e9 })).toString('base64url')}.${s}`;
    }],
    ['not a JWT', async () => 'hello'],
  ])('refuses a token with %s: AUTH_FAILED then 4401', async (_name, make) => {
    const { c, reply } = await loginWith(hs, await make());
    expect(reply).toMatchObject({ type: 'auth.error', data: { code: 'AUTH_FAILED' } });
    expect((await c.closed).code).toBe(4401);
  });

  it('refuses a bad token at the upgrade with HTTP 401, accepts a good one there', async () => {
    await expect(TestClient.connect(`${hs.wsUrl}?token=${await hsToken({ sub: 'x' }, { secret: 'y'.repeat(32) })}`)).rejects.toMatchObject({ statusCode: 401 });
    const c = await TestClient.connect(hs.wsUrl, { headers: { authorization: `Bearer ${await hsToken({ sub: 'hdr', name: 'Header User' })}` } });
    expect(await c.waitForType('auth.success')).toMatchObject({ userId: 'hdr', username: 'Header User' });
    await c.close();
  });

  it('refuses a guest login by username', async () => {
    const c = await TestClient.connect(hs.wsUrl);
    expect(await c.request('auth.login', { username: 'guest' })).toMatchObject({ type: 'auth.error', data: { code: 'AUTH_FAILED' } });
    expect((await c.closed).code).toBe(4401);
  });

  it('sends AUTH_EXPIRED and closes 4401 when the token expires during the session', async () => {
    const { c, reply } = await loginWith(hs, await hsToken({ sub: 'short' }, { exp: Math.floor(Date.now() / 1000) + 2 }));
    expect(reply.type).toBe('auth.success');
    expect(await c.waitForType('error', (d) => d.code === 'AUTH_EXPIRED', 5000)).toBeTruthy();
    expect((await c.closed).code).toBe(4401);
  });
});

describe('AUTH_MODE=jwt with a JWKS', () => {
  it('accepts RS256 tokens from the key set and refuses an unknown kid', async () => {
    const { c, reply } = await loginWith(jwksGw, await rsToken('k1'));
    expect(reply).toMatchObject({ type: 'auth.success', data: { userId: 'rs-user', username: 'RS User' } });
    await c.close();
    const other = await generateKeyPair('RS256');
    const { reply: refused } = await loginWith(jwksGw, await rsToken('unknown', other.privateKey));
    expect(refused).toMatchObject({ type: 'auth.error', data: { code: 'AUTH_FAILED' } });
  });

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const pem = await exportSPKI(rsa.publicKey);
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setSubject('forged').setExpirationTime('1h').sign(enc.encode(pem));
    const { reply } = await loginWith(jwksGw, forged);
    expect(reply).toMatchObject({ type: 'auth.error', data: { code: 'AUTH_FAILED' } });
  });

  it('picks up a rotated key', async () => {
    const next = await generateKeyPair('RS256');
    keys = [...keys, { ...(await exportJWK(next.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' }];
    const token = await rsToken('k2', next.privateKey, 'rotated');
    let reply;
    // jose refetches the set for an unknown kid at most once per cooldown (1 s).
    for (let attempt = 0; attempt < 5; attempt++) {
      ({ reply } = await loginWith(jwksGw, token));
      if (reply.type === 'auth.success') break;
      await new Promise((r) => setTimeout(r, 1100));
    }
    expect(reply).toMatchObject({ type: 'auth.success', data: { userId: 'rotated' } });
  });
});
