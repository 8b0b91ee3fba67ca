import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, ERRORS, toAppError } from '@chat/contracts';

/** Every HTTP failure becomes `{error: {code, message}}` with the code's status. */
export function installErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    let appErr: AppError;
    if (error instanceof AppError) appErr = error;
    else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') appErr = new AppError('PAYLOAD_TOO_LARGE', 'request body over 1 MiB');
    else if (error.validation || error.statusCode === 400) appErr = new AppError('BAD_REQUEST', error.message);
    else if (error.statusCode === 415) appErr = new AppError('BAD_REQUEST', 'body must be application/json');
    else appErr = toAppError(error);
    if (appErr.code === 'INTERNAL') request.log.error({ err: error }, 'request failed');
    if (appErr.retryAfterMs !== undefined) reply.header('retry-after', Math.ceil(appErr.retryAfterMs / 1000));
    return reply.code(ERRORS[appErr.code].status).send({ error: { code: appErr.code, message: appErr.message } });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'no such route' } }));
}
