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
import { CommitWithRowsFailed, writeRequests, type Answer, type Pending } from './write.js';
import { pipelinedPool } from '../platform/pipeline.js';

/** The chain head's lock (the header trigger takes the same one): every ledger writer takes it first. */
const CHAIN_LOCK_SQL = lockSql(LOCK_CLASS.LEDGER_CHAIN, LEDGER_CHAIN_KEY.HEAD);

/** The most requests one group takes (a longer group holds the chain lock longer). */
const MAX_GROUP = 256;

/** Per-statement limit of a long ledger transaction (inLedgerTransaction's `long`): a 100,000-line batch's posting insert takes about a minute. */
const LONG_WRITE_STATEMENT_TIMEOUT_MS = 600_000;

/** Groups in flight at most: one writing, the next waiting at the server for its commit (GroupWriter). */
const MAX_IN_FLIGHT = 2;

/**
 * The fewest requests a group starts with beside a committing one; with fewer queued it waits for
 * that commit and then gathers. A group's fixed cost in PostgreSQL is ≈ 2.4 ms whatever its size
 * (docs/performance.md), so groups of one or two cost more than the overlap gains: over HTTP,
 * alternating runs gave ≈ 555 against ≈ 490 disbursements/s many-accounts with 3 rather than 1.
 */
const MIN_BESIDE_COMMIT = 3;

/** The longest a group waits for more requests before it starts (GroupWriter.gatherNext). */
const MAX_GATHER_MS = 4;

/**
 * Runs `fn` in one database transaction as the application role, holding the chain lock from the
 * start. Every ledger write takes its locks in the order chain → idempotency keys → lots → daily
 * totals, so writers (groups, batches, several processes) cannot deadlock; they are serialised by
 * the chain lock, which the header insert needs anyway until the commit.
 */
export function inLedgerTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, requests = 1, options: { long?: boolean } = {}): Promise<T> {
  // A long transaction (a batch, an approved batch proposal: up to 100,000 lines) sets its own
  // statement timeout, before it waits for the chain lock, instead of the API's (DB_STATEMENT_TIMEOUT_MS).
  const timeout = options.long ? `set local statement_timeout = ${LONG_WRITE_STATEMENT_TIMEOUT_MS}; ` : '';
  // Metrics (/metrics): the wait for the chain lock, and each commit with the requests it carried.
  const result = inTransaction(pool, fn, `${AS_APP_ROLE}; ${timeout}${CHAIN_LOCK_SQL}`, metrics.chainLockWaited);
  return result.then((value) => (metrics.ledgerCommitted(requests), value));
}

/**
 * Group commit. Requests submitted while a group is being written wait in a queue; the next group
 * takes them all (up to MAX_GROUP) into ONE database transaction: one chain-lock hold and one WAL
 * flush serve them all. Each request stays atomic: a request that fails planning writes nothing,
 * and if the set-based insert of the group fails, it is rolled back to its savepoint and every
 * request is inserted again under its own savepoint, so only the failing one gets an error. A
 * caller's promise settles after COMMIT. One writer per pool (the API builds a Ledger per request).
 *
 * Two groups at most are in flight: the next one starts when the current one has written its rows
 * and commits. Its first statements (chain lock first) wait at the server until that commit, so it
 * plans on what the commit wrote, as if it had started after it; meanwhile Node answers the
 * committing group's callers and parses their next requests instead of leaving PostgreSQL idle.
 */
export class GroupWriter {
  readonly reference = new ReferenceCache();
  private readonly queue: { item: Pending; resolve: (r: PostResult) => void; reject: (e: unknown) => void }[] = [];
  /** The groups in flight; `committing`: its rows are written, the commit is under way. */
  private readonly inFlight = new Set<{ committing: boolean }>();
  /** A group is about to start (its start is scheduled, or it is gathering). */
  private starting = false;
  /** Groups written so far, requests in them, groups that started while another was committing, and groups written again after a failure with their COMMIT in flight (for tests and measurements). */
  readonly stats = { groups: 0, requests: 0, overlapped: 0, rewritten: 0 };

  /**
   * The writer's own connections, pipelined (platform/pipeline.ts): a group's statements that do not
   * wait for each other's answers travel in one round trip. One per group in flight. Idle for 10 s
   * they close; an error on one while idle (the server restarted) needs no one's attention, since the
   * next group reconnects.
   */
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pipelinedPool(pool, MAX_IN_FLIGHT);
  }

  submit(item: Pending): Promise<PostResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.gather.expected) this.gather.arrived?.();
      this.pump();
    });
  }

  /** Starts the next group if one may start: none in flight, or the one in flight committing and MIN_BESIDE_COMMIT queued. */
  private pump(): void {
    if (this.starting || !this.queue.length || this.inFlight.size >= MAX_IN_FLIGHT) return;
    if ([...this.inFlight].some((g) => !g.committing)) return;
    if (this.inFlight.size && this.queue.length < MIN_BESIDE_COMMIT) return;
    this.starting = true;
    setImmediate(() => void this.startGroup());
  }

  private async startGroup(): Promise<void> {
    // A group that starts alone first gathers (see gatherNext); one that starts beside a committing
    // group takes what is queued: its statements wait for that commit at the server anyway.
    if (!this.inFlight.size) await this.gatherNext();
    const group = this.queue.splice(0, MAX_GROUP);
    this.starting = false;
    if (!group.length) return;
    const state = { committing: false };
    if (this.inFlight.size) this.stats.overlapped++;
    this.inFlight.add(state);
    const started = performance.now();
    const committing = () => {
      state.committing = true;
      this.pump();
    };
    try {
      await this.run(group, committing);
    } catch (error) {
      for (const g of group) g.reject(error);
    } finally {
      this.inFlight.delete(state);
      this.gather.lastMs = performance.now() - started;
      this.gather.expected = Math.min(MAX_GROUP, group.length + this.queue.length);
      this.pump();
    }
  }

  /**
   * The gather window (see gatherNext). `expected`: the callers seen by the last group (those it
   * answered, who may send their next request now, and those who queued while it was written);
   * `lastMs`: how long that group took.
   */
  private readonly gather: { expected: number; lastMs: number; arrived?: () => void } = { expected: 1, lastMs: 0 };

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

  /**
   * Writes one group: its rows and its COMMIT in one flight; if that fails, again without, where the
   * savepoint fallback gives each request its own answer. A group that carries a request sent back
   * after a failed insert goes without at once: that request is likely to fail again. `committing`
   * is called once the COMMIT is sent (it may be called twice).
   */
  private async run(group: GroupWriter['queue'], committing: () => void): Promise<void> {
    let answers: Answer[];
    try {
      const withRows = group.every((g) => g.item.attempts === 0);
      answers = await this.write(group, committing, withRows).catch((error) => {
        if (!(error instanceof CommitWithRowsFailed)) throw error;
        this.stats.rewritten++;
        return this.write(group, committing, false);
      });
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

  /** One transaction for the group (see run); `withRows`: COMMIT in the flight of the rows. */
  private async write(group: GroupWriter['queue'], committing: () => void, withRows: boolean): Promise<Answer[]> {
    const accountsUsed = new Map<string, string>();
    const write = async (client: pg.PoolClient) => {
      const written = await writeRequests(client, group.map((g) => g.item), this.reference, false, accountsUsed, withRows ? { sent: committing } : undefined);
      committing(); // without a flight of rows (all refused or replayed), COMMIT follows now
      return written;
    };
    const answers = await inLedgerTransaction(this.pool, write, group.length);
    this.reference.addAccounts(accountsUsed); // committed
    this.stats.groups++;
    this.stats.requests += group.length;
    return answers;
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
export function groupCommitStats(pool: pg.Pool): GroupWriter['stats'] {
  return { ...writerFor(pool).stats };
}
