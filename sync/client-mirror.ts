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
 */
import pg from 'pg';
import { inTransaction } from '../platform/sql.js';
import { LOCK_CLASS } from '../platform/locks.js';
import { heardPool } from '../platform/pools.js';
import { MIRROR_SCHEMA, mirrorTable, SyncError, type MirroredType } from './client-types.js';

const SYNC_STATE = mirrorTable('sync_state');
const LOCK_KEY = 0;

export interface MirrorState {
  feedCursor: string | null;
  /** Export paths whose snapshot is complete. */
  doneTypes: string[];
  snapshotComplete: boolean;
}

/** What a page of the feed does to one mirrored type: objects to write (JSON text) and ids to delete. */
export interface TypeChanges {
  upserts: string[];
  deletes: string[];
}

const upsertSql = (type: MirroredType) =>
  `insert into ${type.table} (id, state) select x->>'id', x from jsonb_array_elements($1::jsonb) x
   on conflict (id) do update set state = excluded.state, synced_at = now()`;

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
   * interleave); `set` is the assignment list ($1 region, $2 expected, then `params`).
   */
  private async advance(client: pg.PoolClient, expected: string | null, set: string, params: unknown[]): Promise<string | null> {
    this.checkLock();
    const { rows } = await client.query<{ feed_cursor: string | null }>(
      `update ${SYNC_STATE} set ${set}, updated_at = now() where region = $1 and feed_cursor is not distinct from $2 returning feed_cursor`,
      [this.region, expected, ...params],
    );
    if (!rows[0]) {
      throw new SyncError(`this mirror's feed cursor was changed by someone else during this run (another sync run? a hand edit?): stopped without writing this batch; run again`, 'MIRROR_MOVED');
    }
    return rows[0].feed_cursor;
  }

  async ensureSchema(types: readonly MirroredType[]): Promise<void> {
    this.checkLock();
    await this.pool.query(`create schema if not exists ${pg.escapeIdentifier(MIRROR_SCHEMA)}`);
    await this.pool.query(`create table if not exists ${SYNC_STATE} (
      region text primary key, server text not null, feed_cursor text, done_types text[] not null default '{}',
      snapshot_complete boolean not null default false, updated_at timestamptz not null default now())`);
    for (const { table } of types) {
      await this.pool.query(`create table if not exists ${table} (id text primary key, state jsonb not null, synced_at timestamptz not null default now())`);
    }
  }

  /**
   * The region's progress. A type the server no longer offers leaves `doneTypes` (its rows stay, no
   * longer followed): offered again, it is snapshotted again, as the changes in between never came.
   */
  async readState(server: string, offered: readonly MirroredType[]): Promise<MirrorState> {
    this.checkLock();
    // The mirror tables hold one region's rows (no region column): a second region would mix its rows
    // in, and its RESYNC_REQUIRED would empty the first one's. One region per mirror database.
    const { rows: others } = await this.pool.query(`select region from ${SYNC_STATE} where region <> $1 limit 1`, [this.region]);
    if (others.length) {
      throw new SyncError(`this mirror holds region ${others[0].region}; mirror ${this.region} into a database of its own`, 'MIRROR_IN_USE');
    }
    await this.pool.query(`insert into ${SYNC_STATE} (region, server) values ($1, $2) on conflict (region) do nothing`, [this.region, server]);
    const { rows } = await this.pool.query(
      `update ${SYNC_STATE} set done_types = array(select t from unnest(done_types) t where t = any($2::text[])) where region = $1
       returning feed_cursor, done_types, snapshot_complete`,
      [this.region, offered.map((t) => t.path)],
    );
    return { feedCursor: rows[0].feed_cursor, doneTypes: rows[0].done_types, snapshotComplete: rows[0].snapshot_complete };
  }

  /**
   * One batch of a type's snapshot, with its progress. The feed starts after the FIRST snapshot
   * taken: its cursor is kept once set (coalesce). `first`: the type's first batch, which empties its
   * table — a type snapshotted again (an interrupted snapshot, a type offered anew) keeps no row of an
   * object that has gone meanwhile. `done`: its last batch. Answers the feed cursor now stored.
   */
  async snapshotBatch(type: MirroredType, lines: string[], batch: { cursor: string; first: boolean; done: boolean }, expected: string | null): Promise<string | null> {
    return inTransaction(this.pool, async (client) => {
      const stored = await this.advance(client, expected, `feed_cursor = coalesce(feed_cursor, $3),
        done_types = case when $4 then array_append(array_remove(done_types, $5), $5) else done_types end`, [batch.cursor, batch.done, type.path]);
      if (batch.first) await client.query(`delete from ${type.table}`);
      if (lines.length) await client.query(upsertSql(type), [`[${lines.join(',')}]`]);
      return stored;
    });
  }

  async completeSnapshot(expected: string | null): Promise<void> {
    await inTransaction(this.pool, (client) => this.advance(client, expected, 'snapshot_complete = true', []));
  }

  /** One page of the feed and its cursor, in one transaction. */
  async applyPage(changes: Map<MirroredType, TypeChanges>, cursor: string, expected: string | null): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await this.advance(client, expected, 'feed_cursor = $3', [cursor]);
      for (const [type, { upserts, deletes }] of changes) {
        if (upserts.length) await client.query(upsertSql(type), [`[${upserts.join(',')}]`]);
        if (deletes.length) await client.query(`delete from ${type.table} where id = any($1::text[])`, [deletes]);
      }
    });
  }

  /** Forgets the mirror of the region (RESYNC_REQUIRED): its rows and progress, in one transaction. */
  async reset(types: readonly MirroredType[], expected: string | null): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await this.advance(client, expected, `feed_cursor = null, done_types = '{}', snapshot_complete = false`, []);
      for (const { table } of types) await client.query(`delete from ${table}`);
    });
  }
}
