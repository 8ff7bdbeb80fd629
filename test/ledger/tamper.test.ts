/**
 * The hash chain catches tampering that bypasses the append-only triggers (a superuser with
 * session_replication_role = replica): a changed header field, a changed posting, a recomputed hash,
 * a deleted transaction. Each tamper is undone afterwards (also with the triggers off), and the chain
 * must verify again — so verification is exact, not merely suspicious.
 */
import type pg from 'pg';
import { inTransaction } from '../../platform/sql.js';
import { createLedgerFixture, disbursement, fundCounty, type LedgerFixture } from './support.js';

let fx: LedgerFixture;
let head: bigint;
/** The 20 disbursements, in order: transaction id and seq. */
const payments: { id: string; seq: string }[] = [];

beforeAll(async () => {
  fx = await createLedgerFixture();
  const lot = await fundCounty(fx, 1_000_000n);
  for (let i = 0; i < 20; i++) {
    const paid = await fx.ledger.disburse(disbursement(fx, { amount: BigInt(1_000 + i), lotId: lot, payeeId: `elder-${i}` }), 'clerk-1');
    payments.push({ id: paid.transaction.id, seq: paid.transaction.seq });
  }
  head = BigInt(payments.at(-1)!.seq);
  expect((await fx.db.pool.query('select max(seq)::text as head from ledger.transaction')).rows[0].head).toBe(head.toString());
  const verify = await verifyAll();
  expect(verify).toMatchObject({ ok: true, firstBrokenSeq: null });
  expect(verify.checked).toBe(Number(head));
});
afterAll(async () => {
  await fx.db.drop();
});

/** Runs statements as the superuser with every trigger off, in one committed transaction. */
function withTriggersOff(fn: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  return inTransaction(fx.db.pool, fn, 'set local session_replication_role = replica');
}

/** The whole chain, 1 … head, named explicitly (the default range is tested on its own below). */
const verifyAll = () => fx.queries.verify('1', head.toString());

const middle = () => payments[9]!; // the 10th disbursement: there are transactions before and after it

afterEach(async () => {
  // Every test leaves the ledger as it found it.
  expect(await verifyAll()).toMatchObject({ ok: true, firstBrokenSeq: null });
});

test('the untampered chain verifies, over the whole and over any range', async () => {
  const seq = BigInt(middle().seq);
  for (const [from, to] of [['1', head.toString()], ['1', '1'], [seq.toString(), seq.toString()], [(seq - 3n).toString(), (seq + 3n).toString()]] as const) {
    expect(await fx.queries.verify(from, to)).toMatchObject({ ok: true, firstBrokenSeq: null });
  }
});

test.each([
  ['memo', `memo = 'x'`],
  ['payee id (one character)', `payee_id = overlay(payee_id placing 'X' from 1 for 1)`],
  ['effective date', `effective_date = effective_date + 1`],
  ['actor', `actor = actor || ' '`],
])('a changed header field (%s) is reported at exactly that seq', async (_name, change) => {
  const { id, seq } = middle();
  const original = (await fx.db.pool.query('select memo, payee_id, effective_date::text, actor from ledger.transaction where id = $1', [id])).rows[0];
  await withTriggersOff(async (c) => {
    const { rowCount } = await c.query(`update ledger.transaction set ${change} where id = $1`, [id]);
    expect(rowCount).toBe(1);
  });
  const broken = await verifyAll();
  expect(broken).toMatchObject({ ok: false, firstBrokenSeq: seq });
  // Ranges that leave the tampered seq out still verify; a range holding it does not.
  expect(await fx.queries.verify('1', (BigInt(seq) - 1n).toString())).toMatchObject({ ok: true, firstBrokenSeq: null });
  expect(await fx.queries.verify((BigInt(seq) + 1n).toString(), head.toString())).toMatchObject({ ok: true, firstBrokenSeq: null });
  expect(await fx.queries.verify(seq, seq)).toMatchObject({ ok: false, firstBrokenSeq: seq });
  expect(await fx.queries.verify('1', (BigInt(seq) + 2n).toString())).toMatchObject({ ok: false, firstBrokenSeq: seq });

  await withTriggersOff(async (c) => {
    await c.query('update ledger.transaction set memo = $2, payee_id = $3, effective_date = $4, actor = $5 where id = $1', [
      id, original.memo, original.payee_id, original.effective_date, original.actor,
    ]);
  });
});

test.each([
  ['amount + 1', `amount = amount + 1`],
  ['amount − 1', `amount = amount - 1`],
  ['lot', `lot_id = lot_id + 1`],
  ['account', `account_id = (select min(id) from ledger.account)`],
])('a changed posting (%s) is reported at the seq of its transaction', async (_name, change) => {
  const target = payments[13]!;
  const posting = (await fx.db.pool.query(
    `select id::text, amount::text, lot_id::text, account_id::text from ledger.posting where transaction_id = $1 and account_kind = 'EXPENDITURE'`,
    [target.id],
  )).rows[0];
  await withTriggersOff(async (c) => {
    const { rowCount } = await c.query(`update ledger.posting set ${change} where id = $1`, [posting.id]);
    expect(rowCount).toBe(1);
  });
  expect(await verifyAll()).toMatchObject({ ok: false, firstBrokenSeq: target.seq });
  expect(await fx.queries.verify('1', (BigInt(target.seq) - 1n).toString())).toMatchObject({ ok: true });
  await withTriggersOff(async (c) => {
    await c.query('update ledger.posting set amount = $2, lot_id = $3, account_id = $4 where id = $1', [posting.id, posting.amount, posting.lot_id, posting.account_id]);
  });
});

test('a changed posting whose transaction hash is recomputed to match is caught at the next link', async () => {
  const target = middle();
  const saved = (await fx.db.pool.query(`select encode(hash, 'hex') as hash, memo from ledger.transaction where id = $1`, [target.id])).rows[0];
  await withTriggersOff(async (c) => {
    await c.query(`update ledger.transaction set memo = 'rewritten' where id = $1`, [target.id]);
    await c.query(
      `update ledger.transaction t set hash = ledger.transaction_hash(t, (select string_agg(ledger.posting_entry(p), ';' order by p.id)
         from ledger.posting p where p.transaction_id = t.id)) where id = $1`,
      [target.id],
    );
  });
  const next = (BigInt(target.seq) + 1n).toString();
  expect(await verifyAll()).toMatchObject({ ok: false, firstBrokenSeq: next });
  // On its own, the rewritten transaction is self-consistent: only its link to the next one betrays it.
  expect(await fx.queries.verify(target.seq, target.seq)).toMatchObject({ ok: true });
  await withTriggersOff(async (c) => {
    await c.query(`update ledger.transaction set memo = $2, hash = decode($3, 'hex') where id = $1`, [target.id, saved.memo, saved.hash]);
  });
});

test('a deleted transaction (header and postings) leaves a gap that is reported at the seq after it', async () => {
  const target = middle();
  const client = await fx.db.pool.connect();
  try {
    // Keep copies (session temp tables) to put the transaction back afterwards.
    await client.query(`create temp table saved_tx as select * from ledger.transaction where id = $1`, [target.id]);
    await client.query(`create temp table saved_postings as select * from ledger.posting where transaction_id = $1`, [target.id]);
    await client.query('begin');
    await client.query('set local session_replication_role = replica');
    expect((await client.query('delete from ledger.posting where transaction_id = $1', [target.id])).rowCount).toBe(2);
    expect((await client.query('delete from ledger.transaction where id = $1', [target.id])).rowCount).toBe(1);
    await client.query('commit');

    const after = (BigInt(target.seq) + 1n).toString();
    const result = await verifyAll();
    expect(result).toMatchObject({ ok: false, firstBrokenSeq: after });
    expect(result.checked).toBe(Number(head) - 1);
    // A range starting right at the gap is broken too; a range ending before it is not.
    expect(await fx.queries.verify(target.seq, head.toString())).toMatchObject({ ok: false });
    expect(await fx.queries.verify('1', (BigInt(target.seq) - 1n).toString())).toMatchObject({ ok: true });

    await client.query('begin');
    await client.query('set local session_replication_role = replica');
    await client.query('insert into ledger.transaction select * from saved_tx');
    await client.query('insert into ledger.posting overriding system value select * from saved_postings');
    await client.query('commit');
    await client.query('drop table saved_tx, saved_postings');
  } finally {
    client.release();
  }
});

test('a deleted first transaction is reported', async () => {
  const client = await fx.db.pool.connect();
  try {
    const first = (await client.query(`select id from ledger.transaction where seq = 1`)).rows[0].id as string;
    await client.query(`create temp table saved_tx as select * from ledger.transaction where id = $1`, [first]);
    await client.query(`create temp table saved_postings as select * from ledger.posting where transaction_id = $1`, [first]);
    await client.query('begin');
    await client.query('set local session_replication_role = replica');
    await client.query('delete from ledger.posting where transaction_id = $1', [first]);
    await client.query('delete from ledger.transaction where id = $1', [first]);
    await client.query('commit');

    expect(await verifyAll()).toMatchObject({ ok: false, firstBrokenSeq: '2' });

    await client.query('begin');
    await client.query('set local session_replication_role = replica');
    await client.query('insert into ledger.transaction select * from saved_tx');
    await client.query('insert into ledger.posting overriding system value select * from saved_postings');
    await client.query('commit');
    await client.query('drop table saved_tx, saved_postings');
  } finally {
    client.release();
  }
});

// Regression: the head seq was once found by ORDER BY on the *text* of seq ('9' > '23'), so the
// default range stopped at seq 9 and tampering past it went unnoticed.
test('verify(null, null) covers the whole chain and reports tampering past seq 9', async () => {
  const target = middle();
  expect(BigInt(target.seq)).toBeGreaterThan(9n);
  const saved = (await fx.db.pool.query('select memo from ledger.transaction where id = $1', [target.id])).rows[0].memo;
  await withTriggersOff(async (c) => {
    await c.query(`update ledger.transaction set memo = 'x' where id = $1`, [target.id]);
  });
  try {
    const result = await fx.queries.verify(null, null);
    expect(result.headSeq).toBe(head.toString());
    expect(result).toMatchObject({ ok: false, firstBrokenSeq: target.seq, toSeq: head.toString() });
  } finally {
    await withTriggersOff(async (c) => {
      await c.query('update ledger.transaction set memo = $2 where id = $1', [target.id, saved]);
    });
  }
});
