/**
 * Deploying Migration20261205100000_sync_categories on a platform that has run for a while: the
 * outbox (sync.change) holds a row for every change ever made (it is never pruned: every region of
 * the national import, every ledger transaction, every registry record), and every ledger write and
 * every feed page goes through it. The deploy runs all pending migrations in one transaction
 * (platform/orm.ts allOrNothing), so a lock a migration takes is held until the last one commits.
 * Against real PostgreSQL, statement by statement: the migration neither scans the outbox nor holds
 * it (or any table writers use) exclusively while it moves data.
 */
import type pg from 'pg';
import type { Migration } from '@mikro-orm/migrations';
import { Migration20261205100000_sync_categories } from '../../migrations/Migration20261205100000_sync_categories.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ withXuzhou: true });
}, 120_000);
afterAll(async () => {
  await db?.drop();
});

/** The statements of one direction of the migration, as the migrator would send them. */
function statements(direction: 'up' | 'down'): string[] {
  const migration: Migration = new Migration20261205100000_sync_categories(null as never, null as never);
  void migration[direction]();
  return migration.getQueries().map(String);
}

/** Locks of this session that block writers (INSERT/UPDATE/DELETE take ROW EXCLUSIVE), per table. */
async function writerBlockingLocks(client: pg.PoolClient): Promise<string[]> {
  const { rows } = await client.query<{ lock: string }>(
    `select n.nspname || '.' || c.relname || ' ' || l.mode as lock from pg_locks l join pg_class c on c.oid = l.relation join pg_namespace n on n.oid = c.relnamespace
     where l.pid = pg_backend_pid() and l.granted and n.nspname in ('sync', 'registry', 'ledger')
       and l.mode in ('ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock') order by 1`,
  );
  return rows.map((r) => r.lock);
}

test('the migration does not scan the outbox, and takes it (or any table writers use) exclusively only after its backfill, at its very end', async () => {
  // Back to the state before the migration (the outbox's wider check stays: it is append-only).
  for (const sql of statements('down')) await db.pool.query(sql);
  const { rows: outbox } = await db.pool.query(`select count(*)::int as n from sync.change`);
  expect(outbox[0].n).toBeGreaterThan(1000); // (the demo city's regions at least)

  const up = statements('up');
  const backfill = up.findIndex((sql) => /^\s*insert into sync\.change/i.test(sql));
  expect(backfill).toBeGreaterThanOrEqual(0);
  const client = await db.pool.connect();
  try {
    await client.query('begin');
    const scans = async () => Number((await client.query(`select pg_stat_get_xact_numscans('sync.change'::regclass) as n`)).rows[0].n);
    const scansBefore = await scans();
    const heldAfter: string[][] = [];
    for (const sql of up) {
      await client.query(sql);
      heldAfter.push(await writerBlockingLocks(client));
    }
    // The backfill (a scan of the ledger's approved transactions, however many) runs while every
    // writer may still write: nothing that blocks them is held before it ends.
    expect(heldAfter.slice(0, backfill + 1).flat()).toEqual([]);
    // The outbox is taken exclusively (ALTER TABLE must) by the last statement only: every ledger
    // write and feed page waits for the commit, not for the rest of the deploy's work.
    const outboxExclusive = heldAfter.map((held) => held.includes('sync.change AccessExclusiveLock'));
    expect(outboxExclusive.indexOf(true)).toBe(up.length - 1);
    // And its check is widened without reading every row the outbox ever got under that lock.
    expect(await scans()).toBe(scansBefore);
    await client.query('commit');
  } finally {
    await client.query('rollback').catch(() => {});
    client.release();
  }

  // The migration still does what it did: the wider check, the triggers, the backfill.
  const { rows: check } = await db.pool.query(`select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'change_entity_type_check'`);
  expect(check[0].def).toContain('CategoryMembership');
  const { rows: triggers } = await db.pool.query(
    `select tgname from pg_trigger where tgname in ('category_membership_sync_insert', 'category_membership_end_sync_insert', 'elder_sync_update_memberships') order by 1`,
  );
  expect(triggers.map((t) => t.tgname)).toEqual(['category_membership_end_sync_insert', 'category_membership_sync_insert', 'elder_sync_update_memberships']);
  // (new rows are checked by it, validated or not)
  await expect(db.pool.query(`insert into sync.change (entity_type, entity_id, regions, old_regions) values ('Nonsense', '1', '{}', '{}')`)).rejects.toMatchObject({ code: '23514' });
}, 120_000);
