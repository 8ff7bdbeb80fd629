/**
 * Error codes clients can rely on (extensions.code). Every failure a caller can fix carries one;
 * anything else is logged in full and reaches the client only as INTERNAL_SERVER_ERROR.
 * The list is documented in docs/errors.md.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from '../platform/logger.js';
import { LedgerError, PeriodBlockedError } from '../ledger/errors.js';
import { DomainError } from '../platform/domain-error.js';

export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

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
    if (original instanceof LedgerError || original instanceof DomainError) {
      return {
        message: original.message,
        ...(formatted.path ? { path: formatted.path } : {}),
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        extensions: {
          code: original.code,
          ...(original.field ? { field: original.field } : {}),
          ...(original instanceof PeriodBlockedError ? { blockers: original.blockers } : {}),
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
    log.error({ err: original, path: formatted.path }, 'internal error while resolving a request');
    return {
      message: 'Internal server error',
      ...(formatted.path ? { path: formatted.path } : {}),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
