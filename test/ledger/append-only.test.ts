/**
 * Append-only, for everyone: every ledger table × UPDATE / DELETE / TRUNCATE × (application role, owner)
 * is refused — by missing privileges for `sunshine_app` (42501) and by the triggers for the owner (SL000).
 * Also: the application role can insert, and an unbalanced transaction is refused however it is inserted.
 */
import type pg from 'pg';
import { createLedgerFixture, disbursement, fundCounty, key, CITY, type LedgerFixture } from './support.js';

let fx: LedgerFixture;
beforeAll(async () => {
  fx = await createLedgerFixture();
  const lot = await fundCounty(fx, 100_000n);
  await fx.ledger.disburse(disbursement(fx, { amount: 2_500n, lotId: lot }), 'clerk-1');
});
afterAll(async () => {
  await fx.db.drop();
});

const TABLES = ['account', 'lot', 'transaction', 'posting'] as const;
type Table = (typeof TABLES)[number];
type Op = 'UPDATE' | 'DELETE' | 'TRUNCATE';
type Who = 'app role' | 'owner';

/** Statements that hit existing rows (TRUNCATE … CASCADE: a plain TRUNCATE of a referenced table fails on its foreign keys anyway). */
function statement(table: Table, op: Op): string {
  const target = `where id = (select min(id) from ledger.${table})`;
  const change: Record<Table, string> = {
    account: `payee_id = payee_id`,
    lot: `document_no = 'tampered'`,
    transaction: `memo = 'tampered'`,
    posting: `amount = amount + 1`,
  };
  switch (op) {
    case 'UPDATE':
      return `update ledger.${table} set ${change[table]} ${target}`;
    case 'DELETE':
      return `delete from ledger.${table} ${target}`;
    case 'TRUNCATE':
      return `truncate ledger.${table} cascade`;
  }
}

async function snapshot(table: Table): Promise<string> {
  const { rows } = await fx.db.pool.query(`select coalesce(jsonb_agg(to_jsonb(x) order by x.id), '[]')::text as s from ledger.${table} x`);
  return rows[0].s;
}

async function attempt(sql: string, asApp: boolean, replica = false): Promise<{ error: (Error & { code?: string }) | null; rowCount: number | null }> {
  const client: pg.PoolClient = await fx.db.pool.connect();
  try {
    await client.query('begin');
    if (asApp) await client.query('set local role sunshine_app');
    if (replica) await client.query('set local session_replication_role = replica');
    try {
      const result = await client.query(sql);
      return { error: null, rowCount: result.rowCount };
    } catch (error) {
      return { error: error as Error & { code?: string }, rowCount: null };
    }
  } finally {
    await client.query('rollback');
    client.release();
  }
}

const cases: [Table, Op, Who][] = TABLES.flatMap((table) =>
  (['UPDATE', 'DELETE', 'TRUNCATE'] as const).flatMap((op) => (['app role', 'owner'] as const).map((who): [Table, Op, Who] => [table, op, who])),
);

test('every ledger table holds rows, and the statements below really match them (with the triggers off, in a rolled-back transaction)', async () => {
  expect(cases).toHaveLength(24);
  for (const table of TABLES) {
    const { rows } = await fx.db.pool.query(`select count(*)::int as n from ledger.${table}`);
    expect(rows[0].n).toBeGreaterThan(0);
    for (const op of ['UPDATE', 'DELETE'] as const) {
      const control = await attempt(statement(table, op), false, true);
      expect(control.error).toBeNull();
      expect(control.rowCount).toBe(1);
    }
    const truncate = await attempt(statement(table, 'TRUNCATE'), false, true);
    expect(truncate.error).toBeNull();
  }
});

test.each(cases)('ledger.%s: %s as %s is refused', async (table, op, who) => {
  const before = await snapshot(table);
  const { error } = await attempt(statement(table, op), who === 'app role');
  expect(error).not.toBeNull();
  expect(error!.code).toBe(who === 'app role' ? '42501' : 'SL000');
  if (who === 'owner') expect(error!.message).toContain('append-only');
  expect(await snapshot(table)).toBe(before);
});

test('the application role has exactly SELECT and INSERT on the ledger tables, and the Ledger (which writes as that role) works', async () => {
  for (const table of TABLES) {
    // INSERT on the table, or on every column but the database's clock (Migration20261204300000_database_clock).
    const { rows } = await fx.db.pool.query(
      `select privilege_type from information_schema.role_table_grants
       where grantee = 'sunshine_app' and table_schema = 'ledger' and table_name = $1
       union
       select privilege_type from information_schema.role_column_grants
       where grantee = 'sunshine_app' and table_schema = 'ledger' and table_name = $1
       order by 1`,
      [table],
    );
    expect(rows.map((r) => r.privilege_type)).toEqual(['INSERT', 'SELECT']);
  }
  const count = async () => (await fx.db.pool.query('select count(*)::int as n from ledger.transaction')).rows[0].n as number;
  const before = await count();
  const lot = await fundCounty(fx, 7_000n);
  const paid = await fx.ledger.disburse(disbursement(fx, { amount: 7_000n, lotId: lot }), 'clerk-2');
  expect(paid.replayed).toBe(false);
  expect(paid.transaction.actor).toBe('clerk-2');
  expect(await count()).toBe(before + 4);
});

describe('an unbalanced transaction inserted directly, as the owner', () => {
  const counts = async () => {
    const { rows } = await fx.db.pool.query(
      `select (select count(*) from ledger.transaction)::int as t, (select count(*) from ledger.posting)::int as p,
              (select count(*) from ledger.lot)::int as l, (select count(*) from ledger.account)::int as a`,
    );
    return rows[0];
  };

  /** The city's AVAILABLE and FUNDING_SOURCE accounts of one fund line and an appropriated lot of it. */
  async function cityAccounts() {
    const { rows } = await fx.db.pool.query(
      `select l.id::text as lot, l.fund_line,
              (select id::text from ledger.account where region_code = $1 and fund_line = l.fund_line and kind = 'AVAILABLE') as available,
              (select id::text from ledger.account where region_code = $1 and fund_line = l.fund_line and kind = 'FUNDING_SOURCE') as source
       from ledger.lot l where l.region_code = $1 and l.parent_lot_id is null order by l.id limit 1`,
      [CITY],
    );
    return rows[0] as { lot: string; fund_line: string; available: string; source: string };
  }

  /** Inserts postings (amounts) and, unless `header` is false, a header; returns the error of the statement or of COMMIT. */
  async function insertDirectly(amounts: bigint[], header: boolean): Promise<{ error: (Error & { code?: string }) | null; at: string | null; id: string }> {
    const acct = await cityAccounts();
    const client = await fx.db.pool.connect();
    let at: string | null = null;
    let id = '';
    try {
      await client.query('begin');
      at = 'nextval';
      id = (await client.query(`select nextval('ledger.transaction_id_seq')::text as id`)).rows[0].id;
      at = 'posting';
      for (const amount of amounts) {
        await client.query(
          `insert into ledger.posting (transaction_id, account_id, lot_id, amount, effective_date) values ($1, $2, $3, $4, '2026-03-20')`,
          [id, amount > 0n ? acct.available : acct.source, acct.lot, amount.toString()],
        );
      }
      if (header) {
        at = 'header';
        await client.query(
          `insert into ledger.transaction (id, kind, idempotency_key, request_hash, fund_line, region_code, effective_date, document_no, actor)
           values ($1, 'APPROPRIATION', $2, sha256('x'), $3, $4, '2026-03-20', 'direct', 'owner')`,
          [id, key('direct'), acct.fund_line, CITY],
        );
      }
      at = 'commit';
      await client.query('commit');
      return { error: null, at: null, id };
    } catch (error) {
      await client.query('rollback').catch(() => {});
      return { error: error as Error & { code?: string }, at, id };
    } finally {
      client.release();
    }
  }

  test('two postings that do not sum to zero, with a header: refused at the header insert with SL002, nothing written', async () => {
    const before = await counts();
    const { error, at, id } = await insertDirectly([100n, -50n], true);
    expect(error?.code).toBe('SL002');
    expect(at).toBe('header');
    expect(error!.message).toContain('does not balance');
    expect(await counts()).toEqual(before);
    expect((await fx.db.pool.query('select count(*)::int as n from ledger.posting where transaction_id = $1', [id])).rows[0].n).toBe(0);
  });

  test('a single posting with a header: refused at the header insert with SL002, nothing written', async () => {
    const before = await counts();
    const { error, at } = await insertDirectly([100n], true);
    expect(error?.code).toBe('SL002');
    expect(at).toBe('header');
    expect(await counts()).toEqual(before);
  });

  test('control: the same direct insert balanced (+100 / −100) commits, and the chain still verifies', async () => {
    const before = await counts();
    const { error, id } = await insertDirectly([100n, -100n], true);
    expect(error).toBeNull();
    const after = await counts();
    expect(after).toEqual({ ...before, t: before.t + 1, p: before.p + 2 });
    const { rows } = await fx.db.pool.query('select sum(amount)::text as s, count(*)::int as n from ledger.posting where transaction_id = $1', [id]);
    expect(rows[0]).toEqual({ s: '0', n: 2 });
    expect(await fx.queries.verify(null, null)).toMatchObject({ ok: true, firstBrokenSeq: null });
  });

  describe('a posting for a transaction that has its header, as the application role', () => {
    const postingFor = (id: string, account: string, lot: string, amount: bigint) => ({
      text: `insert into ledger.posting (transaction_id, account_id, lot_id, amount, effective_date) values ($1, $2, $3, $4, '2026-03-20')`,
      values: [id, account, lot, amount.toString()],
    });
    const legs = async (id: string) =>
      (await fx.db.pool.query('select count(*)::int as n, coalesce(sum(amount), 0)::text as sum from ledger.posting where transaction_id = $1', [id])).rows[0];

    test('after its commit: refused with SL010', async () => {
      const { id } = await insertDirectly([100n, -100n], true);
      const acct = await cityAccounts();
      const client = await fx.db.pool.connect();
      try {
        await client.query('begin; set local role sunshine_app');
        await expect(client.query(postingFor(id, acct.available, acct.lot, 50n))).rejects.toMatchObject({ code: 'SL010' });
      } finally {
        await client.query('rollback');
        client.release();
      }
      expect(await legs(id)).toEqual({ n: 2, sum: '0' });
    });

    test('while its transaction is still open: refused with SL010 once it commits — it was added after the header was hashed and balanced, and made money from nothing', async () => {
      const acct = await cityAccounts();
      const honest = await fx.db.pool.connect();
      const intruder = await fx.db.pool.connect();
      try {
        await honest.query('begin');
        const id = (await honest.query(`select nextval('ledger.transaction_id_seq')::text as id`)).rows[0].id as string;
        await honest.query(postingFor(id, acct.available, acct.lot, 100n));
        await honest.query(postingFor(id, acct.source, acct.lot, -100n));
        await honest.query(
          `insert into ledger.transaction (id, kind, idempotency_key, request_hash, fund_line, region_code, effective_date, document_no, actor)
           values ($1, 'APPROPRIATION', $2, sha256('x'), $3, $4, '2026-03-20', 'direct', 'owner')`,
          [id, key('open'), acct.fund_line, CITY],
        );
        await intruder.query('begin; set local role sunshine_app');
        const added = intruder.query(postingFor(id, acct.available, acct.lot, 50n)).then(
          () => intruder.query('commit').then(() => null),
          (error: Error & { code?: string }) => error,
        );
        await new Promise((resolve) => setTimeout(resolve, 200)); // the intruder's insert reaches the server and waits
        await honest.query('commit');
        const error = await added;
        expect(error?.code).toBe('SL010');
        expect(await legs(id)).toEqual({ n: 2, sum: '0' });
        expect(await fx.queries.verify(null, null)).toMatchObject({ ok: true });
      } finally {
        await intruder.query('rollback').catch(() => {});
        honest.release();
        intruder.release();
      }
    });
  });

  test('verifying up to the largest sequence number checks up to the chain head, at once (it built a chunk list of 10^13 before any query)', async () => {
    const whole = await fx.queries.verify(null, null);
    const huge = await fx.queries.verify('1', '999999999999999999');
    expect(huge).toMatchObject({ ok: true, checked: whole.checked, headSeq: whole.headSeq, toSeq: '999999999999999999' });
    expect(await fx.queries.verify('999999999999999998', '999999999999999999')).toMatchObject({ checked: 0 });
  });
});
