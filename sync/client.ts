/**
 * The sync client a county runs (npm run sync): mirrors its jurisdiction into its own PostgreSQL.
 *
 * Snapshot first — one export per type, each applied in batches — then the change feed. Resumable
 * after a crash at any point, because every batch is applied in ONE transaction of the mirror
 * together with the progress it makes: the feed cursor (taken from the first snapshot, so every
 * change after it is replayed — applying a change is idempotent: it writes the object's current
 * state or deletes it), the types whose snapshot is complete, and after the snapshot the feed's
 * cursor. A type whose snapshot was interrupted is exported again from the start.
 *
 * Mirror tables (schema sunshine_mirror, created on first run): one per type (`elders`,
 * `service_records`, …) with the global id, the state as the API shows it (jsonb), and when it was
 * written; `sync_state` holds the progress of the mirror's one region (a second region is refused:
 * MIRROR_IN_USE). Which tables exist and where a row goes is decided by the client's own list of
 * types (sync/client-types.ts); the server's answers are checked (sync/client-server.ts) and reach
 * the mirror only as bind parameters.
 */
import pg from 'pg';
import { inTransaction } from '../platform/sql.js';
import { MIRROR_SCHEMA, mirrorTable, SyncError, unexpectedAnswer, type MirroredType } from './client-types.js';
import { SunshineServer, type FeedPage } from './client-server.js';

export { MIRROR_SCHEMA, SyncError } from './client-types.js';
const BATCH = 1000;

export interface SyncOptions {
  /** Base URL of the Sunshine server (http://host:port), without /graphql. */
  server: string;
  token: string;
  /** The jurisdiction to mirror: the token's own (12 digits, or its significant prefix). */
  region: string;
  /** The county's PostgreSQL. */
  to: string;
  /** Keep following the feed (poll every `intervalMs`) instead of stopping once caught up. */
  follow?: boolean;
  intervalMs?: number;
  onProgress?: (p: SyncProgress) => void;
  /** Without `follow`: how long to wait for changes held back by a running transaction before stopping (default 10 s). */
  maxPendingWaitMs?: number;
  /** Stops a following client (tests, signals). */
  signal?: AbortSignal;
}

export interface SyncProgress {
  phase: 'snapshot' | 'feed';
  type?: string;
  rows: number;
  changes: number;
}

export interface SyncReport {
  snapshotRows: number;
  changes: number;
  resyncs: number;
}

interface State {
  feedCursor: string | null;
  doneTypes: string[];
  snapshotComplete: boolean;
}

const SYNC_STATE = mirrorTable('sync_state');

async function ensureSchema(db: pg.Pool, types: readonly MirroredType[]): Promise<void> {
  await db.query(`create schema if not exists ${pg.escapeIdentifier(MIRROR_SCHEMA)}`);
  await db.query(`create table if not exists ${SYNC_STATE} (
    region text primary key, server text not null, feed_cursor text, done_types text[] not null default '{}',
    snapshot_complete boolean not null default false, updated_at timestamptz not null default now())`);
  for (const { table } of types) {
    await db.query(`create table if not exists ${table} (id text primary key, state jsonb not null, synced_at timestamptz not null default now())`);
  }
}

async function readState(db: pg.Pool, region: string, server: string): Promise<State> {
  // The mirror tables hold one region's rows (no region column): a second region would mix its rows
  // in, and its RESYNC_REQUIRED would empty the first one's. One region per mirror database.
  const { rows: others } = await db.query(`select region from ${SYNC_STATE} where region <> $1 limit 1`, [region]);
  if (others.length) {
    throw new SyncError(`this mirror holds region ${others[0].region}; mirror ${region} into a database of its own`, 'MIRROR_IN_USE');
  }
  await db.query(`insert into ${SYNC_STATE} (region, server) values ($1, $2) on conflict (region) do nothing`, [region, server]);
  const { rows } = await db.query(`select feed_cursor, done_types, snapshot_complete from ${SYNC_STATE} where region = $1`, [region]);
  return { feedCursor: rows[0].feed_cursor, doneTypes: rows[0].done_types, snapshotComplete: rows[0].snapshot_complete };
}

const upsertSql = (type: MirroredType) =>
  `insert into ${type.table} (id, state) select x->>'id', x from jsonb_array_elements($1::jsonb) x
   on conflict (id) do update set state = excluded.state, synced_at = now()`;

/** Snapshot of one type into the mirror; the first snapshot's cursor becomes the feed's starting point. */
async function snapshotType(db: pg.Pool, server: SunshineServer, region: string, type: MirroredType, state: State, progress: (rows: number) => void): Promise<number> {
  let rows = 0;
  let batch: string[] = [];
  let complete = false;
  let cursor: string | null = null;
  const flush = async (done: boolean) => {
    const lines = batch;
    batch = [];
    await inTransaction(db, async (client) => {
      if (lines.length) await client.query(upsertSql(type), [`[${lines.join(',')}]`]);
      // The feed starts after the FIRST snapshot taken: kept once set (coalesce), in the same transaction as the rows.
      await client.query(
        `update ${SYNC_STATE} set feed_cursor = coalesce(feed_cursor, $2),
           done_types = case when $3 then array_append(done_types, $4) else done_types end, updated_at = now() where region = $1`,
        [region, cursor, done, type.path],
      );
    });
  };
  for await (const line of server.export(type, region)) {
    if (line.kind === 'header') {
      cursor = line.cursor;
    } else if (line.kind === 'end') {
      if (line.rows !== rows) throw unexpectedAnswer(`the export of ${type.path} announced ${line.rows} rows, ${rows} arrived`);
      complete = true;
    } else {
      batch.push(line.json);
      rows++;
      if (batch.length >= BATCH) {
        await flush(false);
        progress(rows);
      }
    }
  }
  if (!complete) throw new SyncError(`the export of ${type.path} ended early (connection lost?): run again to resume`);
  await flush(true);
  progress(rows);
  state.doneTypes.push(type.path);
  return rows;
}

/**
 * Applies one page of the feed and stores its cursor, in one transaction. Every change carries the
 * object's current state, so within a page only the last change of each object matters: the page
 * becomes one upsert and one delete per type.
 */
async function applyPage(db: pg.Pool, region: string, page: FeedPage): Promise<void> {
  const last = new Map<string, FeedPage['changes'][number]>();
  for (const entry of page.changes) {
    const key = `${entry.type.changeType}:${entry.change.id}`;
    last.delete(key); // re-insert: keeps the map in the order of last changes
    last.set(key, entry);
  }
  const byType = new Map<MirroredType, { upserts: string[]; deletes: string[] }>();
  for (const { type, change } of last.values()) {
    const entry = byType.get(type) ?? byType.set(type, { upserts: [], deletes: [] }).get(type)!;
    if (change.state) entry.upserts.push(JSON.stringify(change.state));
    else entry.deletes.push(change.id);
  }
  await inTransaction(db, async (client) => {
    for (const [type, { upserts, deletes }] of byType) {
      if (upserts.length) await client.query(upsertSql(type), [`[${upserts.join(',')}]`]);
      if (deletes.length) await client.query(`delete from ${type.table} where id = any($1::text[])`, [deletes]);
    }
    await client.query(`update ${SYNC_STATE} set feed_cursor = $2, updated_at = now() where region = $1`, [region, page.cursor]);
  });
}

/** Forgets the mirror of a region (RESYNC_REQUIRED): its rows and progress, in one transaction. */
async function resetMirror(db: pg.Pool, region: string, types: readonly MirroredType[]): Promise<void> {
  await inTransaction(db, async (client) => {
    for (const { table } of types) await client.query(`delete from ${table}`);
    await client.query(`update ${SYNC_STATE} set feed_cursor = null, done_types = '{}', snapshot_complete = false, updated_at = now() where region = $1`, [region]);
  });
}

export async function runSync(options: SyncOptions): Promise<SyncReport> {
  const server = new SunshineServer(options.server.replace(/\/(graphql)?$/, ''), options.token);
  const region = options.region.padEnd(12, '0');
  // Checked before the mirror is touched: a spoofed or broken listing writes nothing.
  const { jurisdiction, types } = await server.types();
  if (jurisdiction !== region) throw new SyncError(`the token's jurisdiction is ${jurisdiction}, not ${region}: mirror with a token of the region`);
  const db = new pg.Pool({ connectionString: options.to, max: 2 });
  const report: SyncReport = { snapshotRows: 0, changes: 0, resyncs: 0 };
  const progress = options.onProgress ?? (() => {});
  try {
    await ensureSchema(db, types);
    for (;;) {
      const state = await readState(db, region, options.server);
      try {
        if (!state.snapshotComplete) {
          for (const type of types) {
            if (state.doneTypes.includes(type.path)) continue;
            const before = report.snapshotRows;
            report.snapshotRows += await snapshotType(db, server, region, type, state, (rows) =>
              progress({ phase: 'snapshot', type: type.path, rows: before + rows, changes: report.changes }),
            );
          }
          await db.query(`update ${SYNC_STATE} set snapshot_complete = true where region = $1`, [region]);
          state.feedCursor = (await readState(db, region, options.server)).feedCursor;
        }
        let cursor = state.feedCursor;
        const pendingUntil = Date.now() + (options.maxPendingWaitMs ?? 10_000);
        for (;;) {
          const page = await server.changes(cursor, types);
          await applyPage(db, region, page);
          cursor = page.cursor;
          report.changes += page.changes.length;
          progress({ phase: 'feed', rows: report.snapshotRows, changes: report.changes });
          if (page.hasNextPage) continue;
          // Held back by a transaction still running on the server: it ends soon (or the wait is bounded).
          if (page.pending && !options.follow && Date.now() < pendingUntil) {
            await new Promise((resolve) => setTimeout(resolve, 200));
            continue;
          }
          if (!options.follow || options.signal?.aborted) return report;
          await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 5000));
          if (options.signal?.aborted) return report;
        }
      } catch (error) {
        if (!(error instanceof SyncError && error.code === 'RESYNC_REQUIRED')) throw error;
        // The server cannot continue from our cursor: start over from a new snapshot, never leave a gap.
        report.resyncs++;
        await resetMirror(db, region, types);
      }
    }
  } finally {
    await db.end();
  }
}
