/**
 * The write protocol of one database transaction (a group, a batch, or one request alone): keys
 * locked and looked up, new requests planned, inserted set-based (each under its own savepoint if
 * that fails), and every request answered — its transaction, fresh or replayed, or its error.
 */
import type pg from 'pg';
import { fromDatabaseError, LedgerError } from './errors.js';
import { byScopedKey, conflict, keyLocks, keyLookup, scopedKeys, type KeyedTransaction } from './idempotency.js';
import { inOrder } from '../platform/pipeline.js';
import { PlanningContext, type Plan, type ReferenceCache } from './planning.js';
import { loadTransactions } from './queries.js';
import type { Request } from './requests.js';
import { insertPlanned, type CommitWithRows, type Planned } from './store.js';
import type { PostResult } from './types.js';

/** One request waiting to be written, with the actor it is recorded under. */
export interface Pending {
  request: Request;
  actor: string;
  /** How many times it was sent back to the queue (a stale plan is retried once with fresh reads). */
  attempts: number;
}

export type Answer = { result: PostResult } | { error: unknown } | { retry: true };

/**
 * The rows and the COMMIT of a group went in one flight and a statement of it failed: the
 * transaction is over (rolled back) with no savepoint left to fall back to, and nothing of it was
 * written. The group is to be written again without `commit`, where each request gets its own answer.
 */
export class CommitWithRowsFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('the group failed with its COMMIT in flight: write it again without', { cause });
  }
}

interface Fresh {
  index: number;
  request: Request;
  actor: string;
  plan: Plan;
  attempts: number;
}

/** How the requests of one transaction stand after planning (step 2 of writeRequests). */
interface Sorted {
  answers: (Answer | undefined)[];
  /** request index → id of the committed transaction it replays */
  replays: Map<number, string>;
  /** request index → index of the earlier request of this group with its key */
  sameGroup: Map<number, number>;
  fresh: Fresh[];
}

/**
 * Writes what is new and answers every request: its transaction (fresh or replayed) or its error.
 * `atomic` (a batch, or one request alone): the first error is thrown and the transaction aborts.
 * Otherwise (a group): errors are per request, and a failing request leaves no trace.
 * `accountsUsed` receives the ids of the accounts the written postings use (ReferenceCache.addAccounts
 * once the transaction has committed).
 * `commit` (a group): COMMIT goes with the rows, one round trip fewer, when the rows are the last
 * thing the group sends (not when it replays committed transactions: those are read after). Then
 * the transaction is committed when this returns, and a failure throws CommitWithRowsFailed.
 */
export async function writeRequests(
  client: pg.PoolClient,
  items: Pending[],
  reference: ReferenceCache,
  atomic: boolean,
  accountsUsed: Map<string, string> = new Map(),
  commit?: CommitWithRows,
): Promise<Answer[]> {
  // 1. Idempotency: keys are scoped to the recording region (a few kinds read it from a row first).
  const keyOf = await scopedKeys(client, items.map((i) => i.request));
  // 2. One flight (platform/pipeline.ts): lock every scoped key (in one order), look them up, read
  //    what the plans need (regions, lots and their balances), draw the transaction ids and set
  //    the savepoint a group falls back to. Nothing is written before the savepoint.
  const ctx = new PlanningContext(client, reference);
  const reads = [ctx.regionsRead(items.flatMap((i) => i.request.reads?.regions ?? [])), ctx.availableRead(items.flatMap((i) => i.request.reads?.available ?? []))]
    .filter((r) => r !== null);
  const [, found, ...rest] = await inOrder(client, [
    keyLocks(keyOf),
    keyLookup(keyOf),
    ...reads.map((r) => r.statement),
    `savepoint ledger_group; select nextval('ledger.transaction_id_seq')::text as id from generate_series(1, ${items.length})`,
  ]);
  reads.forEach((r, i) => r.apply(rest[i].rows));
  const ids: string[] = rest[reads.length][1].rows.map((r: { id: string }) => r.id);
  // 3. Plan every new request (reads and checks only: a refusal here writes nothing).
  const sorted = await planAll(ctx, items, keyOf, byScopedKey(found.rows), atomic);
  // 4. Insert (transaction ids need not be consecutive: `seq` is the gapless number).
  const withRows = commit && !atomic && !sorted.replays.size ? commit : undefined;
  if (sorted.fresh.length) await insertFresh(client, sorted, ids, atomic, reference, accountsUsed, withRows);
  answerSameGroup(items, sorted);
  await answerReplays(client, sorted);
  return sorted.answers.map((a) => a ?? { error: new Error('internal: a request was left without an answer') });
}

/** Writes requests all or nothing (a batch, or the requests of an approval): the first error is thrown. */
export async function writeAtomically(
  client: pg.PoolClient,
  requests: Request[],
  actor: string,
  reference: ReferenceCache,
  accountsUsed?: Map<string, string>,
): Promise<PostResult[]> {
  const answers = await writeRequests(client, requests.map((request) => ({ request, actor, attempts: 0 })), reference, true, accountsUsed);
  return answers.map((a) => {
    if ('result' in a) return a.result;
    throw 'error' in a ? a.error : new Error('internal: an atomic write asked for a retry');
  });
}

async function planAll(
  ctx: PlanningContext,
  items: Pending[],
  keyOf: { region: string | null; scoped: string }[],
  byKey: Map<string, KeyedTransaction>,
  atomic: boolean,
): Promise<Sorted> {
  const sorted: Sorted = { answers: new Array(items.length), replays: new Map(), sameGroup: new Map(), fresh: [] };
  const freshByKey = new Map<string, number>();
  for (const [index, { request, actor, attempts }] of items.entries()) {
    const scoped = keyOf[index]!.scoped;
    const previous = byKey.get(scoped);
    if (previous) {
      if (!previous.request_hash.equals(request.requestHash)) {
        if (atomic) throw conflict(request.idempotencyKey, previous.id);
        sorted.answers[index] = { error: conflict(request.idempotencyKey, previous.id) };
      } else sorted.replays.set(index, previous.id);
      continue;
    }
    const earlier = freshByKey.get(scoped);
    if (earlier !== undefined) {
      sorted.sameGroup.set(index, earlier); // decided once the earlier one is written
      continue;
    }
    try {
      const plan = await request.plan(ctx);
      if (plan.regionCode !== keyOf[index]!.region) throw new Error(`internal: a ${plan.kind} recorded at ${plan.regionCode} took its key at ${keyOf[index]!.region}`);
      sorted.fresh.push({ index, request, actor, attempts, plan });
      freshByKey.set(scoped, index);
    } catch (error) {
      if (atomic || !(error instanceof LedgerError)) throw error;
      sorted.answers[index] = { error };
    }
  }
  return sorted;
}

/**
 * A group first tries all its requests in set-based statements; if that fails, it rolls back to its
 * savepoint and inserts each request under a savepoint of its own (with its COMMIT in that flight
 * it cannot: the transaction is over, see CommitWithRowsFailed).
 */
async function insertFresh(
  client: pg.PoolClient,
  { fresh, answers }: Sorted,
  ids: string[],
  atomic: boolean,
  reference: ReferenceCache,
  accountsUsed: Map<string, string>,
  commit: CommitWithRows | undefined,
): Promise<void> {
  const used = (accounts: Map<string, string>) => accounts.forEach((id, key) => accountsUsed.set(key, id));
  const withIds: (Fresh & Planned)[] = fresh.map((f, i) => ({ ...f, id: ids[i]! }));
  try {
    const { records, accounts } = await insertPlanned(client, withIds, reference.accounts, commit);
    used(accounts);
    withIds.forEach((f, i) => (answers[f.index] = { result: { transaction: records[i]!, replayed: false } }));
  } catch (error) {
    if (commit) throw new CommitWithRowsFailed(error);
    if (atomic) throw error;
    await client.query('rollback to savepoint ledger_group');
    for (const f of withIds) {
      await client.query('savepoint ledger_request');
      try {
        const { records: [record], accounts } = await insertPlanned(client, [f], reference.accounts);
        await client.query('release savepoint ledger_request');
        used(accounts); // only now: what a rolled-back request created is gone
        answers[f.index] = { result: { transaction: record!, replayed: false } };
      } catch (requestError) {
        await client.query('rollback to savepoint ledger_request');
        // Its plan was made alongside the others of the group (lot bookkeeping, checks that could
        // not see the others' rows): it goes once more to the next group, where it is planned
        // on what this group committed — so its answer is the one it would get after them.
        const again = withIds.length > 1 && f.attempts === 0;
        answers[f.index] = again ? { retry: true } : { error: fromDatabaseError(requestError) ?? requestError };
      }
    }
  }
}

/**
 * Requests whose key an earlier request of this group carried: replays of it (or conflicts); if the
 * earlier one failed, the key is still free and the request goes to the next group.
 */
function answerSameGroup(items: Pending[], { answers, sameGroup }: Sorted): void {
  for (const [index, earlier] of sameGroup) {
    const first = answers[earlier];
    const request = items[index]!.request;
    if (first && 'result' in first) {
      answers[index] = request.requestHash.equals(items[earlier]!.request.requestHash)
        ? { result: { transaction: first.result.transaction, replayed: true } }
        : { error: conflict(request.idempotencyKey, first.result.transaction.id) };
    } else {
      answers[index] = { retry: true };
    }
  }
}

/** Replays of committed transactions, read in this transaction. */
async function answerReplays(client: pg.PoolClient, { answers, replays }: Sorted): Promise<void> {
  if (!replays.size) return;
  const loaded = new Map((await loadTransactions(client, [...new Set(replays.values())])).map((t) => [t.id, t]));
  for (const [index, id] of replays) answers[index] = { result: { transaction: loaded.get(id)!, replayed: true } };
}
