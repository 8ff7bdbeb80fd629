/**
 * Verification recomputes exactly what was hashed at insert, also for awkward values (quotes,
 * backslashes, newlines, non-ASCII) and under any session DateStyle or TimeZone.
 */
import { createLedgerFixture, disbursement, fundCounty, key, CITY, type LedgerFixture } from './support.js';

let fx: LedgerFixture;
beforeAll(async () => {
  fx = await createLedgerFixture();
});
afterAll(async () => {
  await fx.db.drop();
});

const AWKWARD = [
  '', 'plain', "O'Reilly", "''", '\\', 'a\\b', "E'x'", "it's \\ both", 'line\nbreak', 'tab\there', '民政局 尊老金 ¥', '🧓🏻 emoji', 'NULL', ' padded ',
];

test('transactions with awkward text verify, and a change to such text is caught at its seq', async () => {
  const lot = await fundCounty(fx, 1_000_000n);
  const paid: string[] = [];
  for (const [i, text] of AWKWARD.entries()) {
    if (text.trim() === '') continue; // memo and documentNo are trimmed, empty means none
    const r = await fx.ledger.disburse(disbursement(fx, { amount: BigInt(100 + i), lotId: lot, payeeId: `awk-${i}`, memo: text, documentNo: text.slice(0, 100) }), text);
    paid.push(r.transaction.seq);
  }
  await fx.ledger.appropriate(
    { idempotencyKey: key("app'\\"), effectiveDate: '2026-12-31', regionCode: CITY, fundLine: 'OPERATIONS', amount: 1n, fiscalYear: 2026, fundingSource: 'DONATION', documentNo: "捐赠\\'1'" },
    'actor with \\ and \'',
  );
  expect(await fx.queries.verify(null, null)).toMatchObject({ ok: true, firstBrokenSeq: null });

  // Under another DateStyle and TimeZone the verifier reads the same bytes.
  const client = await fx.db.pool.connect();
  try {
    await client.query(`set datestyle = 'SQL, DMY'; set timezone = 'Pacific/Chatham'`);
    const { LedgerQueries } = await import('../../ledger/queries.js');
    expect(await new LedgerQueries(client).verify(null, null)).toMatchObject({ ok: true, firstBrokenSeq: null });
  } finally {
    await client.query('reset datestyle; reset timezone');
    client.release();
  }

  // A backslash removed from a memo is a different transaction.
  const target = paid[AWKWARD.filter((t) => t.trim() !== '').indexOf("it's \\ both")]!;
  const { rows } = await fx.db.pool.query('select id::text, memo from ledger.transaction where seq = $1', [target]);
  expect(rows[0].memo).toContain('\\');
  const tamper = async (memo: string) => {
    const c = await fx.db.pool.connect();
    try {
      await c.query('begin');
      await c.query('set local session_replication_role = replica');
      await c.query('update ledger.transaction set memo = $2 where id = $1', [rows[0].id, memo]);
      await c.query('commit');
    } finally {
      c.release();
    }
  };
  await tamper(rows[0].memo.replace('\\', ''));
  try {
    expect(await fx.queries.verify(null, null)).toMatchObject({ ok: false, firstBrokenSeq: target });
  } finally {
    await tamper(rows[0].memo);
  }
  expect(await fx.queries.verify(null, null)).toMatchObject({ ok: true, firstBrokenSeq: null });
});
