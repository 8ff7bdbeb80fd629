/**
 * A batch holds a bounded number of locks, whatever its length: every lock its postings take is one
 * of a bounded set (idempotency and transaction-id buckets, periods, lots). With one lock per
 * transaction id a monthly run of MAX_BATCH_LINES (100,000) lines failed with "out of shared
 * memory" (PostgreSQL's lock table; found this session).
 */
import { inLedgerTransaction } from '../../ledger/group-commit.js';
import { ReferenceCache } from '../../ledger/planning.js';
import { writeAtomically } from '../../ledger/write.js';
import { LOCK_CLASS } from '../../platform/locks.js';
import { createLedgerFixture, disbursement, fundCounty, type LedgerFixture } from './support.js';

let fx: LedgerFixture;
beforeAll(async () => {
  fx = await createLedgerFixture();
});
afterAll(async () => {
  await fx.db.drop();
});

test('3,000 lines in one transaction hold at most 1,024 locks of each bucketed class, and a few others', async () => {
  const lot = await fundCounty(fx, 10_000_000n);
  const lines = Array.from({ length: 3000 }, (_, i) => disbursement(fx, { amount: 100n, lotId: lot, payeeId: `elder-${i % 500}` }));
  const requests = lines.map((line) => fx.ledger.prepare('DISBURSEMENT', line));
  const held = await inLedgerTransaction(fx.db.pool, async (client) => {
    const written = await writeAtomically(client, requests, 'clerk', new ReferenceCache());
    expect(written).toHaveLength(3000);
    // Advisory locks of the two-key form (class, key) have objsubid 2; the one-key form (lots) 1.
    const { rows } = await client.query<{ class: number; form: number; n: number }>(
      `select classid::int as class, objsubid::int as form, count(*)::int as n from pg_locks
       where pid = pg_backend_pid() and locktype = 'advisory' group by 1, 2`,
    );
    return rows;
  }, 1, { long: true });
  const count = (lockClass: number) => held.find((r) => r.form === 2 && r.class === lockClass)?.n ?? 0;
  expect(count(LOCK_CLASS.LEDGER_TRANSACTION)).toBe(1024); // 3,000 consecutive ids: every bucket, once
  expect(count(LOCK_CLASS.LEDGER_IDEMPOTENCY)).toBeLessThanOrEqual(1024);
  const others = held.filter((r) => !(r.form === 2 && ([LOCK_CLASS.LEDGER_TRANSACTION, LOCK_CLASS.LEDGER_IDEMPOTENCY] as number[]).includes(r.class)));
  expect(others.reduce((n, r) => n + r.n, 0)).toBeLessThan(20); // the chain, the periods, the lot
});
