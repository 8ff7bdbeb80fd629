/**
 * What counts as "the database is unavailable" (SERVICE_UNAVAILABLE, HTTP 503) rather than an
 * internal error — also when the socket error reaches the error formatter wrapped by graphql-js in a
 * NonErrorThrown: a connect refused while the supervised PostgreSQL restarts was answered
 * INTERNAL_SERVER_ERROR (seen when the restart was quick enough that no other probe saw the gap).
 */
import { locatedError } from 'graphql';
import { isDatabaseUnavailable, isStatementCancelled } from '../../platform/database.js';

test('socket errors and connection SQLSTATEs, bare, as causes, and as values graphql-js could not take for Errors', () => {
  const refused = { errno: -111, code: 'ECONNREFUSED', syscall: 'connect', address: '127.0.0.1', port: 5432 };
  expect(isDatabaseUnavailable(refused)).toBe(true);
  expect(isDatabaseUnavailable(new Error('driver failed', { cause: refused }))).toBe(true);
  expect(isDatabaseUnavailable(locatedError(refused, null).originalError)).toBe(true);
  expect(isDatabaseUnavailable(locatedError({ code: '57P01' }, null).originalError)).toBe(true);
  expect(isStatementCancelled(locatedError({ code: '57014' }, null).originalError)).toBe(true);
  // … and not anything else
  expect(isDatabaseUnavailable(locatedError({ code: '23505' }, null).originalError)).toBe(false);
  expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
  expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
});
