/**
 * The group writer's cache of account ids (ReferenceCache.accounts): it holds only accounts that
 * exist (committed), with their true ids. A request refused by the database after its group had
 * created its payee's account — the group rolled back to its savepoint — leaves neither the
 * account nor a cached id behind, and the next payment to that payee creates the account afresh.
 */
import pg from 'pg';
import { Viewer } from '../../auth/viewer.js';
import { accountKey } from '../../ledger/journal.js';
import { Ledger } from '../../ledger/ledger.js';
import { writerFor } from '../../ledger/group-commit.js';
import { Periods } from '../../ledger/periods/periods.js';
import { tolerateDropTermination } from '../support/database.js';
import { COUNTY, createLedgerFixture, disbursement, fundCounty, key, type LedgerFixture } from './support.js';

let fx: LedgerFixture;
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

const cache = () => writerFor(pool).reference.accounts;
const pay = (payeeId: string, effectiveDate: string) =>
  ledger.disburse(disbursement(fx, { idempotencyKey: key('pay'), payeeId, effectiveDate, serviceMonth: effectiveDate.slice(0, 7) }), 'clerk');
const payeeAccounts = async (payeeId: string) =>
  (await fx.db.pool.query(`select id::text from ledger.account where payee_id = $1`, [payeeId])).rows.map((r) => r.id as string);

/** Every cached id is an account in the database whose key is the cached key. */
async function cacheMatchesDatabase(): Promise<void> {
  const entries = [...cache()];
  const { rows } = await fx.db.pool.query(
    `select id::text, region_code, fund_line, kind, payee_type, payee_id from ledger.account where id = any($1::bigint[])`,
    [entries.map(([, id]) => id)],
  );
  const keyOfId = new Map(rows.map((r) => [r.id, accountKey({ regionCode: r.region_code, fundLine: r.fund_line, kind: r.kind, payeeType: r.payee_type, payeeId: r.payee_id })]));
  for (const [k, id] of entries) expect(keyOfId.get(id)).toBe(k);
}

test('after a committed payment the accounts it used are cached with their ids, and the next payment reuses them', async () => {
  await fundCounty(fx, 1_000_000n);
  const first = await pay('cache-a', '2026-03-10');
  const [accountId] = await payeeAccounts('cache-a');
  expect([...cache().values()]).toContain(accountId);
  await cacheMatchesDatabase();
  const second = await pay('cache-a', '2026-03-11');
  expect(await payeeAccounts('cache-a')).toEqual([accountId]);
  const payeeLeg = (r: typeof first) => r.transaction.postings.find((p) => p.payeeId === 'cache-a')!;
  expect(payeeLeg(second).accountId).toBe(payeeLeg(first).accountId);
  expect(payeeLeg(second).balanceAfter).toBe(payeeLeg(first).balanceAfter * 2n);
});

test('a request refused at insert (a closed month) leaves neither its new account nor a cached id; a later payment creates the account', async () => {
  const officer = new Viewer({ subject: 'fo-cache', roles: ['FINANCE_OFFICER'], jurisdiction: COUNTY });
  await new Periods(fx.db.pool).close(officer, { regionCode: COUNTY, fundLine: 'SENIOR_ALLOWANCE', month: '2026-02' });
  // One tick: one group. Planning does not read periods, so the refusal comes from the posting
  // trigger, after the group's set-based insert had created cache-b's account.
  const [refused, paid] = await Promise.allSettled([pay('cache-b', '2026-02-15'), pay('cache-c', '2026-03-15')]);
  expect(refused).toMatchObject({ status: 'rejected', reason: { code: 'PERIOD_CLOSED' } });
  expect(paid.status).toBe('fulfilled');
  expect(await payeeAccounts('cache-b')).toEqual([]);
  expect([...cache().keys()].some((k) => k.endsWith('|cache-b'))).toBe(false);
  const [cAccount] = await payeeAccounts('cache-c');
  expect([...cache().values()]).toContain(cAccount);
  await cacheMatchesDatabase();

  const later = await pay('cache-b', '2026-03-16');
  const [bAccount] = await payeeAccounts('cache-b');
  expect(later.transaction.postings.find((p) => p.payeeId === 'cache-b')!.accountId).toBe(bAccount);
  await cacheMatchesDatabase();
});

test('a batch caches its accounts once it has committed, and a refused batch caches none', async () => {
  const line = (payeeId: string, effectiveDate: string) => disbursement(fx, { idempotencyKey: key('batch'), payeeId, effectiveDate, serviceMonth: effectiveDate.slice(0, 7) });
  // All or nothing: the February line (closed by the test above) refuses the whole batch, after
  // the batch's insert had created cache-d's account.
  await expect(ledger.disburseBatch([line('cache-d', '2026-03-20'), line('cache-e', '2026-02-20')], 'clerk')).rejects.toMatchObject({ code: 'PERIOD_CLOSED' });
  expect(await payeeAccounts('cache-d')).toEqual([]);
  expect([...cache().keys()].some((k) => k.endsWith('|cache-d') || k.endsWith('|cache-e'))).toBe(false);

  await ledger.disburseBatch([line('cache-d', '2026-03-20'), line('cache-e', '2026-03-21')], 'clerk');
  const ids = [...(await payeeAccounts('cache-d')), ...(await payeeAccounts('cache-e'))];
  expect(ids).toHaveLength(2);
  for (const id of ids) expect([...cache().values()]).toContain(id);
  await cacheMatchesDatabase();
});
