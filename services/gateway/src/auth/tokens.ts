import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AppError } from '@chat/contracts';

export interface Identity {
  userId: string;
  username: string;
  /** ms since the epoch; undefined when the token has no exp. */
  expiresAt?: number;
}

/** A guest's identity is its username: the same name is the same user on every gateway. */
export function guestUserId(username: string): string {
  return `g_${createHash('sha256').update(username).digest('hex').slice(0, 24)}`;
}

export interface TokenService {
  verify(token: string): Promise<Identity>;
  signGuest(username: string): Promise<{ token: string; expiresAt: number }>;
}

const HS_ALGS = ['HS256'];
const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];

function usernameOf(payload: JWTPayload): string {
  const pick = [payload.preferred_username, payload.name, payload.sub].find((v) => typeof v === 'string' && v.length > 0);
  return String(pick).slice(0, 64);
}

/**
 * Verifies JWTs with jose: HS256 with the secret, or the JWKS (asymmetric algorithms only,
 * so an HS token signed with a public key is refused). `alg: none` is never accepted.
 */
export function createTokenService(opts: {
  secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  guestTtlS: number;
}): TokenService {
  const secret = new TextEncoder().encode(opts.secret ?? randomBytes(32).toString('hex'));
  const jwks: JWTVerifyGetKey | undefined = opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl), { cooldownDuration: 1000, cacheMaxAge: 600_000 }) : undefined;
  const checks = { issuer: opts.issuer, audience: opts.audience };

  return {
    async verify(token) {
      try {
        const { payload } =
          jwks && !opts.secret
            ? await jwtVerify(token, jwks, { ...checks, algorithms: ASYMMETRIC_ALGS })
            : jwks
              ? await verifyEither(token, secret, jwks, checks)
              : await jwtVerify(token, secret, { ...checks, algorithms: HS_ALGS });
        if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new AppError('AUTH_FAILED', 'token has no sub');
        return { userId: payload.sub, username: usernameOf(payload), expiresAt: payload.exp ? payload.exp * 1000 : undefined };
      } catch (err) {
        if (err instanceof AppError) throw err;
        if (err instanceof joseErrors.JWTExpired) throw new AppError('AUTH_FAILED', 'token expired');
        throw new AppError('AUTH_FAILED', 'invalid token');
      }
    },
    async signGuest(username) {
      const expiresAt = Date.now() + opts.guestTtlS * 1000;
      const token = await new SignJWT({ preferred_username: username, guest: true })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(guestUserId(username))
        .setIssuedAt()
        .setExpirationTime(Math.floor(expiresAt / 1000))
        .setIssuer(opts.issuer ?? 'chat-gateway')
        .setAudience(opts.audience ?? 'chat')
        .sign(secret);
      return { token, expiresAt: Math.floor(expiresAt / 1000) * 1000 };
    },
  };
}

async function verifyEither(token: string, secret: Uint8Array, jwks: JWTVerifyGetKey, checks: { issuer?: string; audience?: string }) {
  const alg = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8') || '{}').alg;
  return alg === 'HS256'
    ? jwtVerify(token, secret, { ...checks, algorithms: HS_ALGS })
    : jwtVerify(token, jwks, { ...checks, algorithms: ASYMMETRIC_ALGS });
}
