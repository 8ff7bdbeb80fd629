/**
 * Group commit: single requests submitted at about the same time are written together, in one
 * database transaction per group (one chain-lock hold, one WAL flush), each request still atomic.
 */
import type pg from 'pg';
import { AS_APP_ROLE, inTransaction } from '../platform/sql.js';
import { metrics } from '../platform/metrics.js';
import { LOCK_CLASS, LEDGER_CHAIN_KEY, lockSql } from '../platform/locks.js';
import { fromDatabaseError } from './errors.js';
import { ReferenceCache } from './planning.js';
import type { PostResult } from './types.js';
import { writeRequests, type Answer, type Pending } from './write.js';
import { pipelinedPool } from '../platform/pipeline.js';

/** The chain head's lock (the header trigger takes the same one): every ledger writer takes it first. */
const CHAIN_LOCK_SQL = lockSql(LOCK_CLASS.LEDGER_CHAIN, LEDGER_CHAIN_KEY.HEAD);

/** The most requests one group takes (a longer group holds the chain lock longer). */
const MAX_GROUP = 256;

/** The longest a group waits for more requests before it starts (GroupWriter.gatherNext). */
const MAX_GATHER_MS = 4;

/**
 * Runs `fn` in one database transaction as the application role, holding the chain lock from the
 * start. Every ledger write takes its locks in the order chain → idempotency keys → lots → daily
 * totals, so writers (groups, batches, several processes) cannot deadlock; they are serialised by
 * the chain lock, which the header insert needs anyway until the commit.
 */
export function inLedgerTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, requests = 1): Promise<T> {
  // Metrics (/metrics): the wait for the chain lock, and each commit with the requests it carried.
  const result = inTransaction(pool, fn, `${AS_APP_ROLE}; ${CHAIN_LOCK_SQL}`, metrics.chainLockWaited);
  return result.then((value) => (metrics.ledgerCommitted(requests), value));
}

/**
 * Group commit. Requests submitted while a group is being written wait in a queue; the next group
 * takes them all (up to MAX_GROUP) into ONE database transaction: one chain-lock hold and one WAL
 * flush serve them all. Each request stays atomic: a request that fails planning writes nothing,
 * and if the set-based insert of the group fails, it is rolled back to its savepoint and every
 * request is inserted again under its own savepoint, so only the failing one gets an error. A
 * caller's promise settles after COMMIT. One writer per pool (the API builds a Ledger per request).
 */
export class GroupWriter {
  readonly reference = new ReferenceCache();
  private readonly queue: { item: Pending; resolve: (r: PostResult) => void; reject: (e: unknown) => void }[] = [];
  private running = false;
  /** Groups written so far and requests in them (for tests and measurements). */
  readonly stats = { groups: 0, requests: 0 };

  /**
   * The writer's own connection, pipelined (platform/pipeline.ts): a group's statements that do not
   * wait for each other's answers travel in one round trip. Idle for 10 s it closes; an error on it
   * while idle (the server restarted) needs no one's attention, since the next group reconnects.
   */
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pipelinedPool(pool);
  }

  submit(item: Pending): Promise<PostResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.gather.expected) this.gather.arrived?.();
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /**
   * The gather window (see gatherNext). `expected`: the callers seen by the last group (those it
   * answered, who may send their next request now, and those who queued while it was written);
   * `lastMs`: how long that group took.
   */
  private readonly gather: { expected: number; lastMs: number; arrived?: () => void } = { expected: 1, lastMs: 0 };

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        await this.gatherNext();
        const group = this.queue.splice(0, MAX_GROUP);
        const started = performance.now();
        try {
          await this.run(group);
        } catch (error) {
          for (const g of group) g.reject(error);
        }
        this.gather.lastMs = performance.now() - started;
        this.gather.expected = Math.min(MAX_GROUP, group.length + this.queue.length);
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Before a group starts, waits a little for the callers the last group answered: over HTTP they
   * come back one request parse at a time, and a group started at once would carry only those who
   * happened to be queued (≈4 of 8), paying its fixed cost (round trips, the chain lock, one WAL
   * flush) for half as many requests. The wait ends as soon as as many requests are queued as the
   * last group saw, and never lasts longer than a quarter of the last group's time nor
   * MAX_GATHER_MS, so a lone caller or a falling load costs at most that once.
   */
  private async gatherNext(): Promise<void> {
    const window = Math.min(MAX_GATHER_MS, this.gather.lastMs / 4);
    if (this.queue.length >= this.gather.expected || window < 0.05) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, window);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.gather.arrived = done;
    });
    this.gather.arrived = undefined;
  }

  private async run(group: GroupWriter['queue']): Promise<void> {
    let answers: Answer[];
    try {
      const accountsUsed = new Map<string, string>();
      answers = await inLedgerTransaction(this.pool, (client) => writeRequests(client, group.map((g) => g.item), this.reference, false, accountsUsed), group.length);
      this.reference.addAccounts(accountsUsed); // committed
      this.stats.groups++;
      this.stats.requests += group.length;
    } catch (error) {
      // The group's transaction failed as a whole (at COMMIT, or a statement outside any savepoint):
      // nothing of it was written. If the data may be the cause (one request's), each request gets
      // a transaction of its own; a timeout or a lost connection would only repeat, once per request.
      if (group.length > 1 && !dataMayBeTheCause(error)) {
        for (const g of group) g.reject(fromDatabaseError(error) ?? error);
        return;
      }
      for (const g of group) {
        try {
          const accountsUsed = new Map<string, string>();
          const [answer] = await inLedgerTransaction(this.pool, (client) => writeRequests(client, [g.item], this.reference, true, accountsUsed));
          this.reference.addAccounts(accountsUsed); // committed
          if (answer && 'result' in answer) g.resolve(answer.result);
          else g.reject(answer && 'error' in answer ? answer.error : new Error('internal: no answer'));
        } catch (error) {
          g.reject(fromDatabaseError(error) ?? error);
        }
      }
      return;
    }
    const retry: GroupWriter['queue'] = [];
    answers.forEach((answer, i) => {
      const g = group[i]!;
      if ('result' in answer) g.resolve(answer.result);
      else if ('error' in answer) g.reject(answer.error);
      else retry.push({ ...g, item: { ...g.item, attempts: g.item.attempts + 1 } });
    });
    this.queue.unshift(...retry);
  }
}

/** SQLSTATE classes a request's own data can cause: data exceptions, integrity, serialization, raised by triggers. */
function dataMayBeTheCause(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23|40|P0|SL)/.test(code);
}

const writers = new WeakMap<pg.Pool, GroupWriter>();
export function writerFor(pool: pg.Pool): GroupWriter {
  let writer = writers.get(pool);
  if (!writer) writers.set(pool, (writer = new GroupWriter(pool)));
  return writer;
}

/** Groups written so far through this pool's writer and the requests in them. */
export function groupCommitStats(pool: pg.Pool): { groups: number; requests: number } {
  return { ...writerFor(pool).stats };
}
