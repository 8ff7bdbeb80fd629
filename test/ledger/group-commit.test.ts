/**
 * Group commit: requests submitted together are written in ONE database transaction, yet each stays
 * atomic and gets its own answer — a refused request writes nothing while the others of its group
 * commit; a repeated idempotency key inside a group is a replay; a promise settles only after COMMIT;
 * and several writers (as several processes would be) coexist without overspending or deadlocking.
 */
import pg from 'pg';
import { tolerateDropTermination } from '../support/database.js';
import { groupCommitStats, Ledger } from '../../ledger/ledger.js';
import { LedgerError } from '../../ledger/errors.js';
import type { PostResult } from '../../ledger/types.js';
import { createLedgerFixture, disbursement, fundCounty, key, type LedgerFixture } from './support.js';

let fx: LedgerFixture;
/** A pool of its own, so that its writer's group counts are this file's alone. */
let pool: pg.Pool;
let ledger: Ledger;
beforeAll(async () => {
  fx = await createLedgerFixture();
  pool = new pg.Pool({ connectionString: fx.db.url, max: 4 });
  tolerateDropTermination(pool);
  ledger = new Ledger(pool);
});
afterAll(async () => {
  await pool.end();
  await fx.db.drop();
});

const count = async (table: 'transaction' | 'posting' | 'lot' | 'account') =>
  (await fx.db.pool.query(`select count(*)::int as n from ledger.${table}`)).rows[0].n as number;

/** Runs `submit` (which starts requests in one tick) and returns how many groups and requests the writer wrote meanwhile. */
async function inGroups<T>(submit: () => Promise<T>): Promise<{ value: T; groups: number; requests: number; rewritten: number }> {
  const before = groupCommitStats(pool);
  const value = await submit();
  const after = groupCommitStats(pool);
  return { value, groups: after.groups - before.groups, requests: after.requests - before.requests, rewritten: after.rewritten - before.rewritten };
}

async function chainIsWhole() {
  const { rows } = await fx.db.pool.query('select max(seq)::text as head, count(*)::int as n from ledger.transaction');
  expect(rows[0].head).toBe(String(rows[0].n));
  expect(await fx.queries.verify(null, null)).toMatchObject({ ok: true, firstBrokenSeq: null });
}

test('one request refused while planning (INSUFFICIENT_FUNDS) in a group of five: the other four commit in the same transaction', async () => {
  const rich = await fundCounty(fx, 100_000n);
  const poor = await fundCounty(fx, 1_000n);
  const [transactions, postings] = [await count('transaction'), await count('posting')];
  const { value: results, groups, requests, rewritten } = await inGroups(() =>
    Promise.allSettled([
      ledger.disburse(disbursement(fx, { amount: 1_000n, lotId: rich, payeeId: 'g1-a' }), 'clerk-a'),
      ledger.disburse(disbursement(fx, { amount: 2_000n, lotId: rich, payeeId: 'g1-b' }), 'clerk-b'),
      ledger.disburse(disbursement(fx, { amount: 1_001n, lotId: poor, payeeId: 'g1-c' }), 'clerk-c'),
      ledger.disburse(disbursement(fx, { amount: 3_000n, lotId: rich, payeeId: 'g1-d' }), 'clerk-d'),
      ledger.disburse(disbursement(fx, { amount: 1_000n, lotId: poor, payeeId: 'g1-e' }), 'clerk-e'),
    ]),
  );
  // Refused while planning: the rows of the four and the COMMIT went in one flight, and it held.
  expect({ groups, requests, rewritten }).toEqual({ groups: 1, requests: 5, rewritten: 0 });
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  const refused = (results[2] as PromiseRejectedResult).reason;
  expect(refused).toBeInstanceOf(LedgerError);
  expect(refused).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
  const ok = results.filter((r): r is PromiseFulfilledResult<PostResult> => r.status === 'fulfilled').map((r) => r.value);
  // Each has its own transaction, actor and consecutive seq; the refused one left nothing behind.
  expect(ok.map((r) => r.transaction.actor)).toEqual(['clerk-a', 'clerk-b', 'clerk-d', 'clerk-e']);
  expect(ok.map((r) => BigInt(r.transaction.seq) - BigInt(ok[0]!.transaction.seq))).toEqual([0n, 1n, 2n, 3n]);
  expect(await count('transaction')).toBe(transactions + 4);
  expect(await count('posting')).toBe(postings + 8);
  // The records answered equal what is stored.
  expect(await fx.queries.transactionsById(ok.map((r) => r.transaction.id))).toEqual(ok.map((r) => r.transaction));
  const lotBalance = async (lot: string) => Object.fromEntries((await fx.queries.lotBalances(lot)).map((b) => [b.accountKind, b.balance]));
  expect(await lotBalance(rich)).toMatchObject({ AVAILABLE: 94_000n, EXPENDITURE: 6_000n });
  expect(await lotBalance(poor)).toMatchObject({ AVAILABLE: 0n, EXPENDITURE: 1_000n });
  await chainIsWhole();
});

test('one request refused by the database (SL001 at insert) in a group: only it is rolled back, to its savepoint, and refused after another try alone', async () => {
  // A reversal is not planned against balances: reversing a receipt whose money was spent overdraws
  // the county's lot, which only the posting trigger sees.
  const spent = await fundCounty(fx, 5_000n);
  await ledger.disburse(disbursement(fx, { amount: 5_000n, lotId: spent, payeeId: 'g2-spent' }), 'clerk');
  const receipt = (
    await fx.db.pool.query(
      `select r.id::text from ledger.lot l join ledger.transaction r on r.allocation_id = l.created_by_transaction_id where l.id = $1`,
      [spent],
    )
  ).rows[0].id as string;
  const rich = await fundCounty(fx, 100_000n);
  const [transactions, postings, accounts] = [await count('transaction'), await count('posting'), await count('account')];
  const { value: results, groups, requests, rewritten } = await inGroups(() =>
    Promise.allSettled([
      ledger.disburse(disbursement(fx, { amount: 100n, lotId: rich, payeeId: 'g2-new-payee-a' }), 'clerk'),
      ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-03-12', transactionId: receipt, reason: 'not received' }, 'clerk'),
      ledger.disburse(disbursement(fx, { amount: 200n, lotId: rich, payeeId: 'g2-new-payee-b' }), 'clerk'),
    ]),
  );
  // The group of three went with its COMMIT in flight, failed as a whole, and was written again
  // without it: the savepoint fallback commits the two disbursements, and the reversal is planned
  // again alone in a second group.
  expect({ groups, requests, rewritten }).toEqual({ groups: 2, requests: 4, rewritten: 1 });
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
  const [a, c] = [results[0], results[2]].map((r) => BigInt((r as PromiseFulfilledResult<PostResult>).value.transaction.seq));
  expect(c! - a!).toBe(1n);
  expect(await count('transaction')).toBe(transactions + 2);
  expect(await count('posting')).toBe(postings + 4);
  expect(await count('account')).toBe(accounts + 2); // the two new payees' accounts, nothing of the refused reversal
  await chainIsWhole();
});

test('two reversals of one transaction in one group: one commits, the other (tried again after it) is ALREADY_REVERSED', async () => {
  const lot = await fundCounty(fx, 10_000n);
  const paid = await ledger.disburse(disbursement(fx, { amount: 700n, lotId: lot, payeeId: 'g3' }), 'clerk');
  const reverse = (reason: string) =>
    ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-03-12', transactionId: paid.transaction.id, reason }, 'clerk');
  const { value: results, groups, requests } = await inGroups(() => Promise.allSettled([reverse('first'), reverse('second')]));
  expect({ groups, requests }).toEqual({ groups: 2, requests: 3 });
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
  expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'ALREADY_REVERSED' });
  expect((await fx.db.pool.query('select count(*)::int as n from ledger.transaction where reverses_id = $1', [paid.transaction.id])).rows[0].n).toBe(1);
  await chainIsWhole();
});

test('a repeated idempotency key inside one group: the same payload is a replay of the first, another payload conflicts', async () => {
  const lot = await fundCounty(fx, 50_000n);
  const input = disbursement(fx, { amount: 4_321n, lotId: lot, payeeId: 'g4' });
  const transactions = await count('transaction');
  const { value: results, groups, requests } = await inGroups(() =>
    Promise.allSettled([
      ledger.disburse(input, 'clerk'),
      ledger.disburse(input, 'clerk'),
      ledger.disburse({ ...input, amount: 4_322n }, 'clerk'),
      ledger.disburse(input, 'clerk'),
    ]),
  );
  expect({ groups, requests }).toEqual({ groups: 1, requests: 4 });
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  const [first, second, , fourth] = results.map((r) => (r.status === 'fulfilled' ? r.value : null));
  expect(first!.replayed).toBe(false);
  expect(second).toEqual({ transaction: first!.transaction, replayed: true });
  expect(fourth).toEqual({ transaction: first!.transaction, replayed: true });
  expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', field: 'idempotencyKey' });
  expect(await count('transaction')).toBe(transactions + 1);
  // And later, outside the group, the key still replays.
  expect(await ledger.disburse(input, 'clerk')).toEqual({ transaction: first!.transaction, replayed: true });
});

test('a repeated key whose first request is refused is tried again on its own, in the next group', async () => {
  const lot = await fundCounty(fx, 1_000n);
  const input = disbursement(fx, { amount: 1_500n, lotId: lot, payeeId: 'g5' });
  const results = await Promise.allSettled([ledger.disburse(input, 'clerk'), ledger.disburse({ ...input, amount: 900n }, 'clerk')]);
  expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'INSUFFICIENT_FUNDS' } });
  expect(results[1]).toMatchObject({ status: 'fulfilled', value: { replayed: false } });
  expect((results[1] as PromiseFulfilledResult<PostResult>).value.transaction.postings.map((p) => p.amount).sort()).toEqual([-900n, 900n].sort());
});

test('every promise settles after COMMIT: at that moment another connection already sees the transaction', async () => {
  const lot = await fundCounty(fx, 100_000n);
  const other = new pg.Pool({ connectionString: fx.db.url, max: 6 });
  try {
    const seen: boolean[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        ledger.disburse(disbursement(fx, { amount: 10n, lotId: lot, payeeId: `g6-${i}` }), 'clerk').then(async (r) => {
          const { rowCount } = await other.query('select 1 from ledger.transaction where id = $1', [r.transaction.id]);
          seen.push(rowCount === 1);
        }),
      ),
    );
    expect(seen).toEqual([true, true, true, true, true, true]);
  } finally {
    await other.end();
  }
});

test('callers in a closed loop on one lot: the next group starts while one commits, plans on what it wrote, and nothing is overspent', async () => {
  // 8 callers each send their next payment a few milliseconds (0–7, each its own) after the last is
  // answered, so requests keep arriving while a group commits: the next group starts then
  // (stats.overlapped) and its chain lock waits for that commit. 60 payments fit; every one after
  // is refused, never overdrawn. Ten rounds, and more (up to 60) until a group has started beside
  // a commit: on a loaded machine the first rounds may all arrive between commits.
  const lot = await fundCounty(fx, 60_000n);
  const before = groupCommitStats(pool);
  const overlapped = () => groupCommitStats(pool).overlapped > before.overlapped;
  const outcomes: string[] = [];
  await Promise.all(
    Array.from({ length: 8 }, async (_, caller) => {
      for (let i = 0; i < 10 || (i < 60 && !overlapped()); i++) {
        await new Promise((resolve) => setTimeout(resolve, caller));
        try {
          await ledger.disburse(disbursement(fx, { amount: 1_000n, lotId: lot, payeeId: `g10-${caller}-${i}` }), `clerk-${caller}`);
          outcomes.push('paid');
        } catch (error) {
          outcomes.push((error as LedgerError).code);
        }
      }
    }),
  );
  const after = groupCommitStats(pool);
  expect(after.overlapped - before.overlapped).toBeGreaterThan(0);
  expect(outcomes.filter((o) => o === 'paid')).toHaveLength(60);
  expect(outcomes.length).toBeGreaterThanOrEqual(80);
  expect(outcomes.filter((o) => o !== 'paid')).toEqual(Array(outcomes.length - 60).fill('INSUFFICIENT_FUNDS'));
  const balances = Object.fromEntries((await fx.queries.lotBalances(lot)).map((b) => [b.accountKind, b.balance]));
  expect(balances).toMatchObject({ AVAILABLE: 0n, EXPENDITURE: 60_000n });
  await chainIsWhole();
});

test('two writers at once (as two processes would be) on one lot: no overspend, no deadlock, one gapless chain', async () => {
  const lot = await fundCounty(fx, 30_000n);
  const second = new pg.Pool({ connectionString: fx.db.url, max: 4 });
  try {
    const ledger2 = new Ledger(second);
    const calls = Array.from({ length: 50 }, (_, i) =>
      (i % 2 ? ledger : ledger2).disburse(disbursement(fx, { amount: 1_000n, lotId: lot, payeeId: `g7-${i}` }), `clerk-${i % 2}`),
    );
    const results = await Promise.allSettled(calls);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(fulfilled).toHaveLength(30);
    expect(rejected.every((r) => r.reason instanceof LedgerError && r.reason.code === 'INSUFFICIENT_FUNDS')).toBe(true);
    const balances = Object.fromEntries((await fx.queries.lotBalances(lot)).map((b) => [b.accountKind, b.balance]));
    expect(balances).toMatchObject({ AVAILABLE: 0n, EXPENDITURE: 30_000n });
  } finally {
    await second.end();
  }
  await chainIsWhole();
});

test('the same request sent 10 times at once through two writers commits exactly once', async () => {
  const lot = await fundCounty(fx, 50_000n);
  const input = disbursement(fx, { amount: 777n, lotId: lot, payeeId: 'g9' });
  const second = new pg.Pool({ connectionString: fx.db.url, max: 4 });
  try {
    const ledger2 = new Ledger(second);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? ledger : ledger2).disburse(input, 'clerk')));
    expect(new Set(results.map((r) => r.transaction.id)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    for (const r of results) expect(r.transaction).toEqual(results[0]!.transaction);
  } finally {
    await second.end();
  }
  expect((await fx.db.pool.query('select count(*)::int as n from ledger.transaction where idempotency_key = $1', [input.idempotencyKey])).rows[0].n).toBe(1);
});

test('a batch and single requests at once: the batch stays all-or-nothing and the singles commit around it', async () => {
  const lot = await fundCounty(fx, 100_000n);
  const lines = Array.from({ length: 20 }, (_, i) => disbursement(fx, { amount: 100n, lotId: lot, payeeId: `g8-batch-${i}` }));
  const bad = [...lines.slice(0, 5), disbursement(fx, { amount: 1_000_000n, lotId: lot, payeeId: 'g8-too-much' })];
  const transactions = await count('transaction');
  const [batch, refused, ...singles] = await Promise.allSettled([
    ledger.disburseBatch(lines, 'clerk'),
    ledger.disburseBatch(bad.map((l) => ({ ...l, idempotencyKey: key('bad') })), 'clerk'),
    ...Array.from({ length: 5 }, (_, i) => ledger.disburse(disbursement(fx, { amount: 10n, lotId: lot, payeeId: `g8-${i}` }), 'clerk')),
  ]);
  expect(batch!.status).toBe('fulfilled');
  expect(refused).toMatchObject({ status: 'rejected', reason: { code: 'INSUFFICIENT_FUNDS' } });
  expect(singles.every((s) => s.status === 'fulfilled')).toBe(true);
  expect(await count('transaction')).toBe(transactions + 25);
  await chainIsWhole();
});

test('a group whose COMMIT fails (a deferred check refuses one request) writes nothing; each request then runs alone', async () => {
  const lot = await fundCounty(fx, 100_000n);
  // A deferred check, like the balance check: it fires at COMMIT, for the one request it refuses.
  await fx.db.pool.query(`create function public.test_refuse_at_commit() returns trigger language plpgsql as $$
    begin
      if new.memo = 'refuse at commit' then raise exception 'refused at commit' using errcode = 'SL099'; end if;
      return null;
    end $$`);
  await fx.db.pool.query(`create constraint trigger test_refuse_at_commit after insert on ledger.transaction
    deferrable initially deferred for each row execute function public.test_refuse_at_commit()`);
  try {
    const transactions = await count('transaction');
    const results = await Promise.allSettled([
      ledger.disburse(disbursement(fx, { amount: 10n, lotId: lot, payeeId: 'g10-a' }), 'clerk'),
      ledger.disburse(disbursement(fx, { amount: 20n, lotId: lot, payeeId: 'g10-b', memo: 'refuse at commit' }), 'clerk'),
      ledger.disburse(disbursement(fx, { amount: 30n, lotId: lot, payeeId: 'g10-c' }), 'clerk'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'SL099' });
    expect(await count('transaction')).toBe(transactions + 2);
    const balances = Object.fromEntries((await fx.queries.lotBalances(lot)).map((b) => [b.accountKind, b.balance]));
    expect(balances).toMatchObject({ AVAILABLE: 100_000n - 40n, EXPENDITURE: 40n });
  } finally {
    await fx.db.pool.query('drop trigger test_refuse_at_commit on ledger.transaction; drop function public.test_refuse_at_commit()');
  }
  await chainIsWhole();
});
