/**
 * Error codes clients can rely on (extensions.code). Every failure a caller can fix carries one;
 * anything else is logged in full and reaches the client only as INTERNAL_SERVER_ERROR.
 * The list is documented in docs/errors.md.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { ApolloServerPlugin } from '@apollo/server';
import type express from 'express';
import type { Logger } from '../platform/logger.js';
import { isDatabaseUnavailable, isStatementCancelled } from '../platform/database.js';
import { metrics } from '../platform/metrics.js';
import { DomainError } from '../platform/errors.js';

export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  RATE_LIMITED: 'RATE_LIMITED',
  /** PostgreSQL cannot be reached (down, restarting): retry later; HTTP 503 with Retry-After. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** A statement ran past the server's limit (DB_STATEMENT_TIMEOUT_MS) and was cancelled; nothing was written. HTTP 503. */
  TIMEOUT: 'TIMEOUT',
  /** A subscription operation: this endpoint answers queries and mutations over HTTP only. */
  OPERATION_NOT_SUPPORTED: 'OPERATION_NOT_SUPPORTED',
  /** A request body that cannot be read: its Content-Type charset or Content-Encoding is not supported. */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** A `persistedQuery` extension other than version 1 (automatic persisted queries by sha256Hash). */
  PERSISTED_QUERY_VERSION_NOT_SUPPORTED: 'PERSISTED_QUERY_VERSION_NOT_SUPPORTED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

/** Seconds a client is asked to wait (Retry-After) while the database is unavailable. */
const RETRY_AFTER_SECONDS = 5;

/** Codes produced by GraphQL/Apollo themselves, passed through unchanged. */
const FRAMEWORK_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

export function badUserInput(message: string, field?: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, ...(field ? { field } : {}) } });
}

export function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.NOT_FOUND } });
}

const TOO_MANY_VARIABLE_ERRORS = 'Too many errors processing variables, error limit reached. Execution aborted.';

const KNOWN_CODES = new Set<string>([...Object.values(ErrorCode), ...FRAMEWORK_CODES]);

/**
 * Apollo formatError: errors we raised on purpose keep their message and code; anything unexpected
 * (a bug, a database error) is logged with its stack and replaced by a generic message, so no
 * stack trace, SQL or internal detail reaches the client.
 */
export function formatErrorFor(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      return {
        message: original.message,
        ...(formatted.path ? { path: formatted.path } : {}),
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        extensions: {
          code: original.code,
          ...(original.field ? { field: original.field } : {}),
          ...original.details(),
        },
      };
    }
    // graphql-js stops coercing variables after 50 errors with a GraphQLError of its own, without a
    // code and without the variable's node, which Apollo does not recognise as the caller's fault.
    if (original instanceof GraphQLError && original.message === TOO_MANY_VARIABLE_ERRORS) {
      return { message: original.message, extensions: { code: ErrorCode.BAD_USER_INPUT } };
    }
    const raisedOnPurpose = original instanceof GraphQLError || !(original instanceof Error);
    if (typeof code === 'string' && KNOWN_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR && raisedOnPurpose) {
      const { stacktrace: _ignored, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    if (isDatabaseUnavailable(original)) {
      metrics.databaseUnavailable();
      log.warn({ err: original, path: formatted.path }, 'database unavailable');
      return replaced(formatted, `the database is unavailable; retry in ${RETRY_AFTER_SECONDS} s`, ErrorCode.SERVICE_UNAVAILABLE);
    }
    if (isStatementCancelled(original)) {
      metrics.statementCancelled();
      log.warn({ err: original, path: formatted.path }, 'statement cancelled (statement timeout)');
      return replaced(
        formatted,
        'the database did not answer within the time this server allows a statement (DB_STATEMENT_TIMEOUT_MS) and the statement was cancelled; nothing of this request was written. Ask for less (smaller pages, a narrower range), or retry later',
        ErrorCode.TIMEOUT,
      );
    }
    log.error({ err: original, path: formatted.path }, 'internal error while resolving a request');
    return replaced(formatted, 'Internal server error', ErrorCode.INTERNAL_SERVER_ERROR);
  };
}

/** The error as the client sees it: our message and code in place of the original's, its path and locations kept. */
function replaced(formatted: GraphQLFormattedError, message: string, code: string): GraphQLFormattedError {
  return {
    message,
    ...(formatted.path ? { path: formatted.path } : {}),
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    extensions: { code },
  };
}

/** An answer carrying SERVICE_UNAVAILABLE goes out as HTTP 503 with Retry-After (load balancers and clients back off); one carrying TIMEOUT as HTTP 503 without. */
export function serviceUnavailablePlugin<C extends object>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          if (errors?.some((e) => e.extensions?.code === ErrorCode.SERVICE_UNAVAILABLE)) {
            response.http.status = 503;
            response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
          } else if (errors?.some((e) => e.extensions?.code === ErrorCode.TIMEOUT)) response.http.status = 503;
        },
      };
    },
  };
}

/** Subscriptions would need a transport this endpoint does not have: say so, before graphql-js fails on them. */
export function unsupportedOperationPlugin<C extends object>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new GraphQLError('subscriptions are not supported: this endpoint answers queries and mutations over HTTP', {
            extensions: { code: ErrorCode.OPERATION_NOT_SUPPORTED, http: { status: 400 } },
          });
        },
      };
    },
  };
}

interface HttpError {
  type?: string;
  status?: number;
  statusCode?: number;
  limit?: number;
  charset?: string;
}

/** What a body-parser (or other Express-level) failure becomes: status, code and a message with no internals. */
function describeHttpError(error: HttpError): { status: number; code: string; message: string } {
  switch (error?.type) {
    case 'entity.too.large':
      return { status: 413, code: ErrorCode.PAYLOAD_TOO_LARGE, message: `request body larger than the limit of ${error.limit} bytes` };
    case 'entity.parse.failed':
      return { status: 400, code: 'BAD_REQUEST', message: 'request body is not valid JSON' };
    case 'charset.unsupported':
      return { status: 415, code: ErrorCode.UNSUPPORTED_MEDIA_TYPE, message: 'unsupported charset: send Content-Type: application/json (UTF-8)' };
    case 'encoding.unsupported':
      return { status: 415, code: ErrorCode.UNSUPPORTED_MEDIA_TYPE, message: 'unsupported Content-Encoding: send identity, gzip, deflate or br' };
    case 'request.aborted':
      return { status: 400, code: 'BAD_REQUEST', message: 'the request body was aborted' };
    case 'request.size.invalid':
      return { status: 400, code: 'BAD_REQUEST', message: 'the request body does not match its Content-Length' };
  }
  const status = error?.status ?? error?.statusCode;
  // Any other client error (a corrupt gzip body is a 400 from the decompressor): a generic message, never the library's.
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, code: 'BAD_REQUEST', message: 'the request body could not be read (corrupt compressed data, or not what Content-Type and Content-Encoding say)' };
  }
  return { status: 500, code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'Internal server error' };
}

/**
 * Before the JSON body parser: a charset other than UTF-8 is refused (415). body-parser itself
 * decodes UTF-16 and UTF-32 too, so a UTF-16 body was read and answered while docs/errors.md says
 * only UTF-8 is taken (found in review).
 */
export const utf8BodiesOnly: express.RequestHandler = (req, _res, next) => {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.header('content-type') ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8') next(Object.assign(new Error(`unsupported charset ${charset.slice(0, 20)}`), { type: 'charset.unsupported', status: 415, charset }));
  else next();
};

/** The last Express error handler: every failure answers JSON in GraphQL's error shape, in every mode, without a stack. */
export function bodyErrorHandler(log: Logger): express.ErrorRequestHandler {
  return (error: HttpError, _req, res, _next) => {
    const answer = describeHttpError(error);
    if (answer.status >= 500) log.error({ err: error }, 'internal error outside GraphQL');
    else log.info({ type: error?.type ?? null, status: answer.status }, 'request body refused');
    if (res.headersSent) return;
    res.status(answer.status).json({ errors: [{ message: answer.message, extensions: { code: answer.code } }] });
  };
}

/** The `extensions` of a POST body, or of a GET query string (where they travel as JSON text). */
function requestExtensions(req: express.Request): unknown {
  if (req.method === 'GET') {
    const raw = (req.query as Record<string, unknown> | undefined)?.extensions;
    if (typeof raw !== 'string') return undefined;
    try {
      return JSON.parse(raw);
    } catch {
      return undefined; // Apollo answers malformed extensions itself
    }
  }
  return (req.body as { extensions?: unknown } | undefined)?.extensions;
}

/**
 * Apollo answers a `persistedQuery` extension of an unknown version with an error that has no code
 * (so it went out as INTERNAL_SERVER_ERROR): refuse it here, before Apollo, with a code of its own.
 */
export const persistedQueryVersionGuard: express.RequestHandler = (req, res, next) => {
  const extensions = requestExtensions(req);
  if (!extensions || typeof extensions !== 'object' || !('persistedQuery' in extensions)) return next();
  const persisted = (extensions as { persistedQuery: unknown }).persistedQuery;
  if (persisted && typeof persisted === 'object' && (persisted as { version?: unknown }).version === 1) return next();
  res.status(400).json({
    errors: [
      {
        message: 'unsupported persistedQuery extension: only version 1 ({"version": 1, "sha256Hash": "…"}, automatic persisted queries) is supported',
        extensions: { code: ErrorCode.PERSISTED_QUERY_VERSION_NOT_SUPPORTED },
      },
    ],
  });
};
