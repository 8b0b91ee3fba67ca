import type { FastifyRequest } from 'fastify';
import { AppError } from '@chat/contracts';
import type { Identity } from '../auth/tokens.ts';
import type { GatewayContext } from '../context.ts';

/** The caller of an authenticated HTTP route, from `Authorization: Bearer <jwt>`. */
export async function authenticate(ctx: GatewayContext, request: FastifyRequest): Promise<Identity> {
  const header = request.headers.authorization;
  if (!header?.startsWith('Bearer ')) throw new AppError('AUTH_REQUIRED', 'Authorization: Bearer <token> required');
  return ctx.tokens.verify(header.slice(7));
}
