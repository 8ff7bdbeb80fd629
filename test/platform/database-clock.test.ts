/**
 * The database writes every record's own time (Migration20261204300000_database_clock): the
 * application role may insert every column of its tables but the timestamp columns that have a
 * default — the time a history entry was recorded, an access logged, a decision made. A value for
 * one is refused (42501), so a move, an unmasking or an approval cannot be back-dated by direct SQL.
 */
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ withXuzhou: true });
});
afterAll(async () => {
  await db.drop();
});

/** Every column of every table the application role may insert into (any column), and whether it may insert that column. */
async function insertableColumns() {
  const { rows } = await db.pool.query<{ column: string; clock: boolean; insertable: boolean }>(
    `select format('%s.%s.%s', c.table_schema, c.table_name, c.column_name) as column,
            (c.data_type like 'timestamp%' and c.column_default is not null) as clock,
            has_column_privilege('sunshine_app', format('%I.%I', c.table_schema, c.table_name), c.column_name, 'INSERT') as insertable
     from information_schema.columns c join information_schema.tables t using (table_schema, table_name)
     where c.table_schema in ('registry', 'audit', 'ledger', 'sync') and t.table_type = 'BASE TABLE'
       and has_any_column_privilege('sunshine_app', format('%I.%I', c.table_schema, c.table_name), 'INSERT')
     order by 1`,
  );
  return rows;
}

test('the application role inserts every column but the clock columns, of every table it writes', async () => {
  const columns = await insertableColumns();
  const clock = columns.filter((c) => c.clock).map((c) => c.column);
  // The ones the audit and the access log depend on are among them (the set is not empty by accident).
  expect(clock).toEqual(expect.arrayContaining([
    'registry.change_log.recorded_at', 'registry.access_log.accessed_at', 'registry.vital_event.recorded_at',
    'ledger.proposal_decision.decided_at', 'ledger.approval_policy_change.changed_at', 'audit.finding_event.at',
  ]));
  expect(columns.filter((c) => c.clock && c.insertable).map((c) => c.column)).toEqual([]);
  // … and everything else stays writable (a column added later without its grant shows here).
  expect(columns.filter((c) => !c.clock && !c.insertable).map((c) => c.column)).toEqual([]);
});

test('no update by the application role names when or by whom a record was created, and updated_at is the database\'s clock', async () => {
  const { rows } = await db.pool.query<{ column: string }>(
    `select format('%s.%s.%s', c.table_schema, c.table_name, c.column_name) as column
     from information_schema.columns c join information_schema.tables t using (table_schema, table_name)
     where c.table_schema in ('registry', 'audit', 'ledger', 'sync') and t.table_type = 'BASE TABLE'
       and ((c.data_type like 'timestamp%' and c.column_default is not null and c.column_name <> 'updated_at') or c.column_name = 'created_by')
       and has_column_privilege('sunshine_app', format('%I.%I', c.table_schema, c.table_name), c.column_name, 'UPDATE')
     order by 1`,
  );
  expect(rows.map((r) => r.column)).toEqual([]);
  const client = await db.pool.connect();
  try {
    await client.query('begin');
    const { rows: [facility] } = await client.query(
      `insert into registry.facility (name, type, village_code, operating_model, status, created_by, updated_by)
       select 'clock test', (select t.code from registry.facility_type t order by t.code limit 1), r.code, 'PUBLIC_BUILT_PUBLIC_RUN', 'OPERATING', 'owner', 'owner'
       from region r where r.level = 'VILLAGE' order by r.code limit 1 returning id`,
    );
    await client.query('set local role sunshine_app');
    await client.query('savepoint s');
    for (const set of [`created_at = now() - interval '5 years'`, `created_by = 'someone'`]) {
      await expect(client.query(`update registry.facility set ${set} where id = $1`, [facility.id])).rejects.toMatchObject({ code: '42501' });
      await client.query('rollback to savepoint s');
    }
    const { rows: [stamped] } = await client.query(
      `update registry.facility set name = 'clock test 2', updated_at = now() - interval '5 years' where id = $1 returning updated_at = now() as now`, [facility.id],
    );
    expect(stamped.now).toBe(true);
  } finally {
    await client.query('rollback');
    client.release();
  }
});

test('a back-dated history entry is refused; without the column the database\'s clock is stored', async () => {
  const client = await db.pool.connect();
  try {
    await client.query('begin; set local role sunshine_app');
    await client.query('savepoint s');
    await expect(
      client.query(`insert into registry.change_log (entity_type, entity_id, fields, recorded_at, recorded_by) values ('Elder', 1, '{hukouVillage}', now() - interval '1 year', 'clerk')`),
    ).rejects.toMatchObject({ code: '42501' });
    await client.query('rollback to savepoint s');
    const { rows } = await client.query(
      `insert into registry.change_log (entity_type, entity_id, fields, recorded_by) values ('Elder', 1, '{hukouVillage}', 'clerk') returning recorded_at = now() as now`,
    );
    expect(rows[0].now).toBe(true);
  } finally {
    await client.query('rollback');
    client.release();
  }
});
