/**
 * Pipelined connections: statements that do not need each other's answers go out together and come
 * back together (pg's `pipeline` mode, the PostgreSQL protocol's pipelining), one round trip instead
 * of one per statement. Each statement still ends with its own Sync, so an error belongs to its
 * statement; inside a transaction the statements after it fail with 25P02 (the transaction is
 * aborted), exactly as if they had been sent one by one.
 *
 * Why: the ledger's group writer runs one group at a time, and a group was ≈ 9 statements in series.
 * On a busy server each round trip waits twice to be scheduled — the backend to wake, then Node's
 * event loop, behind the HTTP requests it is parsing — so the group's latency, not CPU, bounded the
 * write rate (docs/performance.md).
 */
import type pg from 'pg';
import { derivedPool } from './pools.js';

/** A statement: text alone (simple protocol, may hold several statements) or a parameterised query. */
export type Statement = string | pg.QueryConfig;

/**
 * A pool like `pool` (same server, options, timeouts) of `connections` pipelined connections. It
 * closes them when idle and does not keep the process alive; a connection the server terminates is
 * reported to `onError`, and the next statement reconnects.
 */
export function pipelinedPool(pool: pg.Pool, connections = 1, onError: (error: Error) => void = () => {}): pg.Pool {
  return derivedPool(pool, { pipeline: true, max: connections, idleTimeoutMillis: 10_000, allowExitOnIdle: true }, onError);
}

/** Whether statements sent on this connection without waiting travel together. */
export function isPipelined(client: pg.ClientBase): boolean {
  return (client as unknown as { pipeline?: boolean }).pipeline === true;
}

/**
 * Runs statements in order on one connection and answers their results in order. On a pipelined
 * connection they are all sent at once; otherwise one after the other (pg deprecates queueing
 * statements on a connection that is busy). The first failure, in order, is thrown once every
 * statement sent has answered, so the connection is idle again when the caller handles it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function inOrder(client: pg.ClientBase, statements: Statement[]): Promise<any[]> {
  if (!isPipelined(client)) {
    const results = [];
    for (const s of statements) results.push(await query(client, s));
    return results;
  }
  // A pipelined statement is written to the socket as it is sent: corked, the flight leaves in one
  // write instead of one per statement (socket writes were the server's largest single cost).
  const socket = socketOf(client);
  socket?.cork?.();
  let sent: Promise<unknown>[];
  try {
    sent = statements.map((s) => query(client, s));
  } finally {
    socket?.uncork?.();
  }
  const settled = await Promise.allSettled(sent);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value);
}

/**
 * Holds what is sent on a pipelined connection until the event loop's next turn, so that statements
 * sent now and those the same turn's code sends next (a transaction's `begin`, then its first
 * flight) leave in one socket write. Corking nests: a flight's own cork and uncork inside it keep
 * the data held until this one ends.
 */
export function holdUntilNextTurn(client: pg.ClientBase): void {
  const socket = socketOf(client);
  if (!socket?.cork || !socket.uncork) return;
  socket.cork();
  setImmediate(() => socket.uncork!());
}

/** The connection's socket (pg's `connection.stream`, not part of its typed API). */
const socketOf = (client: pg.ClientBase) => (client as unknown as { connection?: { stream?: { cork?(): void; uncork?(): void } } }).connection?.stream;

const query = (client: pg.ClientBase, s: Statement) => (typeof s === 'string' ? client.query(s) : client.query(s));
