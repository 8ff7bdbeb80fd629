/**
 * The county's side of the sync client: the mirror database (schema sunshine_mirror) — its tables,
 * its progress row, and the one lock that keeps two runs apart.
 *
 * One run at a time. Two runs on one mirror (cron and a --follow process, a service started twice)
 * could commit in the wrong order: a slower run writing an older state after a newer one, never
 * corrected (a --follow process keeps its cursor in memory). A run therefore holds an advisory lock
 * of the mirror database for as long as it runs, on a connection of its own: a session lock, so it
 * goes when that connection does — the process exiting, killed or crashed. Keyed by the database,
 * not by the region: a mirror holds one region (MIRROR_IN_USE), and two runs of two regions on an
 * empty mirror would otherwise both pass that check.
 *
 * And, should two runs meet anyway (a client without the lock, a hand edit), every write of a run
 * is conditional on the feed cursor being the one the run last saw: a run never writes over progress
 * it did not make, whether older or newer (MIRROR_MOVED; the transaction writes nothing).
 *
 * A snapshot never replaces rows in place. It is written to staging tables (schema
 * sunshine_mirror_staging, one per type, the same names), batch by batch, and switched in once
 * complete, in ONE transaction of the mirror: rows the snapshot lacks deleted, the others written,
 * the progress moved. Until that commits the county's systems read the old rows (PostgreSQL's MVCC:
 * readers are never blocked, and never see the switch half done), and a snapshot that fails midway
 * leaves the mirror as it was. Why staging tables and not a marker column on the mirror's rows (the
 * rows of the new snapshot written in place, those not seen deleted at the end): in place, a reader
 * would see a mix of the old and the new snapshot for the minutes a re-export takes. And why a switch
 * by rows and not by renaming tables: a rename needs an exclusive lock on the tables the county
 * reads, and their views, grants and foreign keys would stay with the old tables.
 */
import pg from 'pg';
import { inTransaction } from '../platform/sql.js';
import { LOCK_CLASS } from '../platform/locks.js';
import { heardPool } from '../platform/pools.js';
import { MIRROR_SCHEMA, MIRRORED_TYPES, mirrorTable, STAGING_SCHEMA, SyncError, type MirroredType } from './client-types.js';

const SYNC_STATE = mirrorTable('sync_state');
const LOCK_KEY = 0;

export interface MirrorState {
  /** Where the mirror's rows stand on the feed (null before the first snapshot was switched in). */
  feedCursor: string | null;
  /** Export paths whose rows are in the mirror and followed. */
  doneTypes: string[];
  snapshotComplete: boolean;
  /**
   * The next snapshot replaces the whole mirror, every type in one switch that also moves the feed
   * cursor: the first sync, and after RESYNC_REQUIRED (the old cursor cannot be followed). Otherwise
   * a type is staged and switched in alone (a type offered anew), the cursor kept.
   */
  replacing: boolean;
  /** The feed cursor of the first export staged for the next switch (the feed goes on from it). */
  stagingCursor: string | null;
  /** Export paths whose staged snapshot is complete, not yet switched in. */
  stagedTypes: string[];
}

/** What a page of the feed does to one mirrored type: objects to write (JSON text) and ids to delete. */
export interface TypeChanges {
  upserts: string[];
  deletes: string[];
}

/** Writes a batch of objects (a JSON array) by id; a mirror table's rows also get `synced_at` (staging tables have none). */
const upsertSql = (table: string, stampSynced: boolean) =>
  `insert into ${table} (id, state) select x->>'id', x from jsonb_array_elements($1::jsonb) x
   on conflict (id) do update set state = excluded.state${stampSynced ? ', synced_at = now()' : ''}`;

/** A type's staged snapshot becomes its mirror table: what it lacks goes, what changed is written. */
async function switchType(client: pg.PoolClient, type: MirroredType): Promise<void> {
  await client.query(`delete from ${type.table} m where not exists (select from ${type.staging} s where s.id = m.id)`);
  await client.query(
    `insert into ${type.table} as m (id, state) select s.id, s.state from ${type.staging} s order by s.id
     on conflict (id) do update set state = excluded.state, synced_at = now() where m.state is distinct from excluded.state`,
  );
  await client.query(`truncate ${type.staging}`);
}

/** The progress row of sync_state, as stored. */
interface ProgressRow {
  feed_cursor: string | null;
  done_types: string[];
  snapshot_complete: boolean;
  rebuild: boolean;
  staging_cursor: string | null;
  staged_types: string[];
}

const stateOf = (row: ProgressRow): MirrorState => ({
  feedCursor: row.feed_cursor,
  doneTypes: row.done_types,
  snapshotComplete: row.snapshot_complete,
  replacing: row.rebuild || row.feed_cursor === null,
  stagingCursor: row.staging_cursor,
  stagedTypes: row.staged_types,
});

/** The progress columns added after the first release (a mirror made by an older client gains them). */
const LATER_COLUMNS = `add column if not exists rebuild boolean not null default false,
  add column if not exists staging_cursor text, add column if not exists staged_types text[] not null default '{}'`;

/** Who holds the lock, as far as this user may see (pg_stat_activity hides other users' sessions' details). */
async function holderOf(session: pg.Client): Promise<string> {
  const { rows } = await session.query<{ pid: number; application_name: string | null; since: string | null; addr: string | null }>(
    `select l.pid, a.application_name, to_char(a.backend_start at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as since, host(a.client_addr) as addr
     from pg_locks l left join pg_stat_activity a on a.pid = l.pid
     where l.locktype = 'advisory' and l.granted and l.database = (select oid from pg_database where datname = current_database())
       and l.classid = $1 and l.objid = $2 and l.objsubid = 2`,
    [LOCK_CLASS.SYNC_MIRROR, LOCK_KEY],
  );
  const h = rows[0];
  if (!h) return 'a session that has just ended';
  return `PostgreSQL backend ${h.pid}${h.application_name ? ` "${h.application_name}"` : ''}${h.since ? ` since ${h.since}` : ''}${h.addr ? ` from ${h.addr}` : ''}`;
}

/** The lock's session: a dead peer is noticed within about a minute (TCP keepalives), and it is never timed out for idling. */
async function prepareLockSession(session: pg.Client): Promise<void> {
  await session.query(`set tcp_keepalives_idle = 30; set tcp_keepalives_interval = 10; set tcp_keepalives_count = 3`);
  // PostgreSQL 14 and later; an older server has no such timeout to turn off.
  await session.query(`set idle_session_timeout = 0`).catch((error: { code?: string }) => {
    if (error.code !== '42704') throw error;
  });
}

export class Mirror {
  private lost: Error | null = null;
  private closing = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly lockSession: pg.Client,
    readonly region: string,
  ) {}

  /** Connects to the mirror and takes its lock; MIRROR_BUSY (nothing written) when another run holds it. */
  static async open(url: string, region: string, onConnectionLost: (error: Error) => void): Promise<Mirror> {
    const session = new pg.Client({ connectionString: url, application_name: `sunshine-sync ${region}`, keepAlive: true });
    // Heard from the start: an error of an idle client nobody listens to ends the process.
    session.on('error', onConnectionLost);
    await session.connect();
    try {
      await prepareLockSession(session);
      const { rows } = await session.query<{ locked: boolean }>(`select pg_try_advisory_lock($1::int, $2::int) as locked`, [LOCK_CLASS.SYNC_MIRROR, LOCK_KEY]);
      if (!rows[0]!.locked) {
        throw new SyncError(`another sync run is using this mirror (${await holderOf(session)}): one run at a time — this one stopped without writing; run again once it has ended`, 'MIRROR_BUSY');
      }
    } catch (error) {
      await session.end().catch(() => {});
      throw error;
    }
    // Connections the server ends while idle (a restart, pg_terminate_backend) are reported and dropped;
    // the next statement opens a new one. Unheard, the pool's 'error' event ended the process.
    const pool = heardPool({ connectionString: url, max: 2, application_name: 'sunshine-sync' }, onConnectionLost);
    const mirror = new Mirror(pool, session, region);
    // Without its session the lock is gone: the next write of this run stops (see checkLock).
    session.on('error', (error) => void (mirror.lost ??= error));
    session.on('end', () => void (mirror.closing || (mirror.lost ??= new Error('connection closed'))));
    return mirror;
  }

  /** Ends the run: the pool, then the lock's session (which releases the lock). */
  async close(): Promise<void> {
    this.closing = true;
    await this.pool.end();
    await this.lockSession.end().catch(() => {});
  }

  private checkLock(): void {
    if (this.lost) throw new SyncError(`the connection holding this mirror's lock was lost (${this.lost.message}): stopped so as not to run beside another run; run again`, 'MIRROR_LOCK_LOST');
  }

  /**
   * The first statement of every write: moves the progress row if, and only if, its feed cursor is
   * still `expected` (the row stays locked until the transaction ends, so writes of two runs cannot
   * interleave); `set` is the assignment list ($1 region, $2 expected, then `params`). Answers the
   * progress row as it is now.
   */
  private async advance(client: pg.PoolClient, expected: string | null, set: string, params: unknown[]): Promise<ProgressRow> {
    this.checkLock();
    const { rows } = await client.query<ProgressRow>(
      `update ${SYNC_STATE} set ${set}, updated_at = now() where region = $1 and feed_cursor is not distinct from $2
       returning feed_cursor, done_types, snapshot_complete, rebuild, staging_cursor, staged_types`,
      [this.region, expected, ...params],
    );
    if (!rows[0]) {
      throw new SyncError(`this mirror's feed cursor was changed by someone else during this run (another sync run? a hand edit?): stopped without writing this batch; run again`, 'MIRROR_MOVED');
    }
    return rows[0];
  }

  async ensureSchema(types: readonly MirroredType[]): Promise<void> {
    this.checkLock();
    await this.pool.query(`create schema if not exists ${pg.escapeIdentifier(MIRROR_SCHEMA)}`);
    await this.pool.query(`create schema if not exists ${pg.escapeIdentifier(STAGING_SCHEMA)}`);
    await this.pool.query(`create table if not exists ${SYNC_STATE} (
      region text primary key, server text not null, feed_cursor text, done_types text[] not null default '{}',
      snapshot_complete boolean not null default false, updated_at timestamptz not null default now())`);
    // Altered only when a column is missing: ALTER TABLE locks the table even when it changes nothing.
    const { rows } = await this.pool.query(`select count(*)::int as n from pg_attribute where attrelid = $1::regclass and attname = 'staged_types' and not attisdropped`, [SYNC_STATE]);
    if (rows[0].n === 0) await this.pool.query(`alter table ${SYNC_STATE} ${LATER_COLUMNS}`);
    for (const { table, staging } of types) {
      await this.pool.query(`create table if not exists ${table} (id text primary key, state jsonb not null, synced_at timestamptz not null default now())`);
      await this.pool.query(`create table if not exists ${staging} (id text primary key, state jsonb not null)`);
    }
  }

  /**
   * The region's progress. A type the server no longer offers leaves `doneTypes` (its rows stay, no
   * longer followed) and `stagedTypes`: offered again, it is snapshotted again, as the changes in
   * between never came.
   */
  async readState(server: string, offered: readonly MirroredType[]): Promise<MirrorState> {
    this.checkLock();
    // The mirror tables hold one region's rows (no region column): a second region would mix its rows
    // in, and its RESYNC_REQUIRED would replace the first one's. One region per mirror database.
    const { rows: others } = await this.pool.query(`select region from ${SYNC_STATE} where region <> $1 limit 1`, [this.region]);
    if (others.length) {
      throw new SyncError(`this mirror holds region ${others[0].region}; mirror ${this.region} into a database of its own`, 'MIRROR_IN_USE');
    }
    await this.pool.query(`insert into ${SYNC_STATE} (region, server) values ($1, $2) on conflict (region) do nothing`, [this.region, server]);
    const { rows } = await this.pool.query<ProgressRow>(
      `update ${SYNC_STATE} set done_types = array(select t from unnest(done_types) t where t = any($2::text[])),
         staged_types = array(select t from unnest(staged_types) t where t = any($2::text[])) where region = $1
       returning feed_cursor, done_types, snapshot_complete, rebuild, staging_cursor, staged_types`,
      [this.region, offered.map((t) => t.path)],
    );
    await this.emptyUnusedStaging(rows[0]!.staged_types);
    return stateOf(rows[0]!);
  }

  /**
   * Empties the staging table of every type whose staged snapshot is not complete: no run switches
   * such rows in (a type not staged is exported again from its first batch, which empties its table
   * anyway). Without this the half of a snapshot a failed run left, or the whole staged snapshot of a
   * type the server no longer offers, stayed in the staging schema for ever — a county's slice, its
   * masked personal data included, on the county's disk. Looked at first, so that an empty table is
   * not truncated (and locked) on every run.
   */
  private async emptyUnusedStaging(staged: readonly string[]): Promise<void> {
    for (const type of MIRRORED_TYPES) {
      if (staged.includes(type.path)) continue;
      // (a type never offered to this mirror has no staging table)
      const { rows: present } = await this.pool.query<{ present: boolean }>(`select to_regclass($1) is not null as present`, [type.staging]);
      if (!present[0]!.present) continue;
      const { rows: used } = await this.pool.query<{ used: boolean }>(`select exists (select from ${type.staging}) as used`);
      if (used[0]!.used) await this.pool.query(`truncate ${type.staging}`);
    }
  }

  /**
   * One batch of a type's snapshot into its staging table, with its progress; the mirror's own rows
   * are not touched. The feed will go on from the FIRST export staged: its cursor is kept once set
   * (coalesce). `first`: the type's first batch, which empties its staging table (a type whose
   * staging was interrupted is exported again from the start). `done`: its last batch.
   */
  async stageBatch(type: MirroredType, lines: string[], batch: { cursor: string; first: boolean; done: boolean }, state: MirrorState): Promise<void> {
    const row = await inTransaction(this.pool, async (client) => {
      const stored = await this.advance(client, state.feedCursor, `staging_cursor = coalesce(staging_cursor, $3),
        staged_types = case when $4 then array_append(array_remove(staged_types, $5), $5) else staged_types end`, [batch.cursor, batch.done, type.path]);
      if (batch.first) await client.query(`truncate ${type.staging}`);
      if (lines.length) await client.query(upsertSql(type.staging, false), [`[${lines.join(',')}]`]);
      return stored;
    });
    Object.assign(state, { stagingCursor: row.staging_cursor, stagedTypes: row.staged_types });
  }

  /**
   * Switches staged snapshots in, in one transaction. `replacing`: every type of `types` (all of them
   * staged), and the feed cursor moves to the staging cursor — the whole mirror is now the new
   * snapshot (the first sync, a re-sync). Otherwise the types are added to those followed and the
   * cursor stays: the feed goes on from it and brings their changes since again, harmless.
   */
  async switchIn(types: readonly MirroredType[], state: MirrorState): Promise<void> {
    const paths = types.map((t) => t.path);
    // (the right-hand sides read the row as it was: staged_types before this switch)
    const set = state.replacing
      ? `feed_cursor = staging_cursor, done_types = $3::text[], snapshot_complete = true, rebuild = false, staging_cursor = null, staged_types = '{}'`
      : `done_types = done_types || array(select t from unnest($3::text[]) t where t <> all(done_types)),
         staged_types = array(select t from unnest(staged_types) t where t <> all($3::text[])),
         staging_cursor = case when staged_types <@ $3::text[] then null else staging_cursor end`;
    const row = await inTransaction(this.pool, async (client) => {
      const stored = await this.advance(client, state.feedCursor, set, [paths]);
      for (const type of types) await switchType(client, type);
      return stored;
    });
    Object.assign(state, stateOf(row));
  }

  async completeSnapshot(state: MirrorState): Promise<void> {
    Object.assign(state, stateOf(await inTransaction(this.pool, (client) => this.advance(client, state.feedCursor, 'snapshot_complete = true', []))));
  }

  /** One page of the feed and its cursor, in one transaction. */
  async applyPage(changes: Map<MirroredType, TypeChanges>, cursor: string, expected: string | null): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await this.advance(client, expected, 'feed_cursor = $3', [cursor]);
      for (const [type, { upserts, deletes }] of changes) {
        if (upserts.length) await client.query(upsertSql(type.table, true), [`[${upserts.join(',')}]`]);
        if (deletes.length) await client.query(`delete from ${type.table} where id = any($1::text[])`, [deletes]);
      }
    });
  }

  /**
   * RESYNC_REQUIRED: the mirror's cursor cannot be followed. Its rows stay as they are — the county
   * goes on reading them — until a new snapshot replaces them all at once (switchIn); what was staged
   * before is dropped, as it was staged to go on from the old cursor.
   */
  async beginRebuild(state: MirrorState): Promise<void> {
    Object.assign(state, stateOf(await inTransaction(this.pool, (client) => this.advance(client, state.feedCursor, `rebuild = true, staging_cursor = null, staged_types = '{}'`, []))));
  }
}
