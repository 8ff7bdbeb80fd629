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
 * MIRROR_IN_USE).
 */
import readline from 'node:readline';
import { Readable } from 'node:stream';
import pg from 'pg';
import { inTransaction } from '../platform/sql.js';

export const MIRROR_SCHEMA = 'sunshine_mirror';
const BATCH = 1000;
const FEED_PAGE = 1000;

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

export class SyncError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'SyncError';
  }
}

const tableOf = (path: string) => `${MIRROR_SCHEMA}.${path.replace(/-/g, '_')}`;

interface ExportedPath {
  path: string;
  type: string;
}

interface State {
  feedCursor: string | null;
  doneTypes: string[];
  snapshotComplete: boolean;
}

async function ensureSchema(db: pg.Pool, paths: ExportedPath[]): Promise<void> {
  await db.query(`create schema if not exists ${MIRROR_SCHEMA}`);
  await db.query(`create table if not exists ${MIRROR_SCHEMA}.sync_state (
    region text primary key, server text not null, feed_cursor text, done_types text[] not null default '{}',
    snapshot_complete boolean not null default false, updated_at timestamptz not null default now())`);
  for (const { path } of paths) {
    await db.query(`create table if not exists ${tableOf(path)} (id text primary key, state jsonb not null, synced_at timestamptz not null default now())`);
  }
}

async function readState(db: pg.Pool, region: string, server: string): Promise<State> {
  // The mirror tables hold one region's rows (no region column): a second region would mix its rows
  // in, and its RESYNC_REQUIRED would empty the first one's. One region per mirror database.
  const { rows: others } = await db.query(`select region from ${MIRROR_SCHEMA}.sync_state where region <> $1 limit 1`, [region]);
  if (others.length) {
    throw new SyncError(`this mirror holds region ${others[0].region}; mirror ${region} into a database of its own`, 'MIRROR_IN_USE');
  }
  await db.query(`insert into ${MIRROR_SCHEMA}.sync_state (region, server) values ($1, $2) on conflict (region) do nothing`, [region, server]);
  const { rows } = await db.query(`select feed_cursor, done_types, snapshot_complete from ${MIRROR_SCHEMA}.sync_state where region = $1`, [region]);
  return { feedCursor: rows[0].feed_cursor, doneTypes: rows[0].done_types, snapshotComplete: rows[0].snapshot_complete };
}

const upsertSql = (path: string) =>
  `insert into ${tableOf(path)} (id, state) select x->>'id', x from jsonb_array_elements($1::jsonb) x
   on conflict (id) do update set state = excluded.state, synced_at = now()`;

class Server {
  constructor(private readonly base: string, private readonly token: string) {}

  private headers(extra: Record<string, string> = {}) {
    return { authorization: `Bearer ${this.token}`, ...extra };
  }

  async types(): Promise<{ jurisdiction: string; types: ExportedPath[] }> {
    const res = await fetch(`${this.base}/export/v1/`, { headers: this.headers() });
    const body = await res.json();
    if (res.status !== 200) throw new SyncError(`GET /export/v1/: ${body.errors?.[0]?.message ?? res.status}`, body.errors?.[0]?.extensions?.code);
    return body;
  }

  /** The export's lines, one parsed object at a time (gzip on the wire; fetch decodes it). */
  async *export(path: string, within: string): AsyncGenerator<Record<string, any>> {
    const res = await fetch(`${this.base}/export/v1/${path}?within=${within}`, { headers: this.headers({ 'accept-encoding': 'gzip' }) });
    if (res.status !== 200 || !res.body) {
      const body = await res.json().catch(() => ({}));
      throw new SyncError(`GET /export/v1/${path}: ${body.errors?.[0]?.message ?? res.status}`, body.errors?.[0]?.extensions?.code);
    }
    const lines = readline.createInterface({ input: Readable.fromWeb(res.body as never), crlfDelay: Infinity });
    for await (const line of lines) if (line) yield JSON.parse(line);
  }

  async changes(after: string | null, types: string[]) {
    const res = await fetch(`${this.base}/graphql`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({
        query: `query ($after: String, $first: Int, $types: [ChangeType!]) { changes(after: $after, first: $first, types: $types) {
          cursor pending pageInfo { hasNextPage } nodes { type id: objectId operation state } } }`,
        variables: { after, first: FEED_PAGE, types },
      }),
    });
    const body = await res.json();
    if (body.errors?.length) throw new SyncError(`changes: ${body.errors[0].message}`, body.errors[0].extensions?.code);
    return body.data.changes as { cursor: string; pending: boolean; pageInfo: { hasNextPage: boolean }; nodes: { type: string; id: string; operation: string; state: unknown }[] };
  }
}

/** Snapshot of one type into the mirror; the first snapshot's cursor becomes the feed's starting point. */
async function snapshotType(db: pg.Pool, server: Server, region: string, path: string, state: State, progress: (rows: number) => void): Promise<number> {
  let rows = 0;
  let batch: string[] = [];
  let complete = false;
  let cursor: string | null = null;
  const flush = async (done: boolean) => {
    const lines = batch;
    batch = [];
    await inTransaction(db, async (client) => {
      if (lines.length) await client.query(upsertSql(path), [`[${lines.join(',')}]`]);
      // The feed starts after the FIRST snapshot taken: kept once set (coalesce), in the same transaction as the rows.
      await client.query(
        `update ${MIRROR_SCHEMA}.sync_state set feed_cursor = coalesce(feed_cursor, $2),
           done_types = case when $3 then array_append(done_types, $4) else done_types end, updated_at = now() where region = $1`,
        [region, cursor, done, path],
      );
    });
  };
  for await (const line of server.export(path, region)) {
    if ('snapshot' in line && 'cursor' in line) {
      cursor = line.cursor;
      continue;
    }
    if (line.end === true) {
      if (line.rows !== rows) throw new SyncError(`export of ${path} announced ${line.rows} rows, ${rows} arrived`);
      complete = true;
      break;
    }
    batch.push(JSON.stringify(line));
    rows++;
    if (batch.length >= BATCH) {
      await flush(false);
      progress(rows);
    }
  }
  if (!complete) throw new SyncError(`the export of ${path} ended early (connection lost?): run again to resume`);
  await flush(true);
  progress(rows);
  state.doneTypes.push(path);
  return rows;
}

/**
 * Applies one page of the feed and stores its cursor, in one transaction. Every change carries the
 * object's current state, so within a page only the last change of each object matters: the page
 * becomes one upsert and one delete per type.
 */
async function applyPage(db: pg.Pool, region: string, typePaths: Map<string, string>, page: Awaited<ReturnType<Server['changes']>>): Promise<void> {
  const last = new Map<string, (typeof page.nodes)[number]>();
  for (const change of page.nodes) {
    last.delete(`${change.type}:${change.id}`); // re-insert: keeps the map in the order of last changes
    last.set(`${change.type}:${change.id}`, change);
  }
  const byPath = new Map<string, { upserts: string[]; deletes: string[] }>();
  for (const change of last.values()) {
    const path = typePaths.get(change.type);
    if (!path) continue;
    const entry = byPath.get(path) ?? byPath.set(path, { upserts: [], deletes: [] }).get(path)!;
    if (change.operation === 'UPSERT') entry.upserts.push(JSON.stringify(change.state));
    else entry.deletes.push(change.id);
  }
  await inTransaction(db, async (client) => {
    for (const [path, { upserts, deletes }] of byPath) {
      if (upserts.length) await client.query(upsertSql(path), [`[${upserts.join(',')}]`]);
      if (deletes.length) await client.query(`delete from ${tableOf(path)} where id = any($1::text[])`, [deletes]);
    }
    await client.query(`update ${MIRROR_SCHEMA}.sync_state set feed_cursor = $2, updated_at = now() where region = $1`, [region, page.cursor]);
  });
}

/** Forgets the mirror of a region (RESYNC_REQUIRED): its rows and progress, in one transaction. */
async function resetMirror(db: pg.Pool, region: string, paths: ExportedPath[]): Promise<void> {
  await inTransaction(db, async (client) => {
    for (const { path } of paths) await client.query(`delete from ${tableOf(path)}`);
    await client.query(`update ${MIRROR_SCHEMA}.sync_state set feed_cursor = null, done_types = '{}', snapshot_complete = false, updated_at = now() where region = $1`, [region]);
  });
}

export async function runSync(options: SyncOptions): Promise<SyncReport> {
  const server = new Server(options.server.replace(/\/(graphql)?$/, ''), options.token);
  const region = options.region.padEnd(12, '0');
  const { jurisdiction, types } = await server.types();
  if (jurisdiction !== region) throw new SyncError(`the token's jurisdiction is ${jurisdiction}, not ${region}: mirror with a token of the region`);
  const db = new pg.Pool({ connectionString: options.to, max: 2 });
  const report: SyncReport = { snapshotRows: 0, changes: 0, resyncs: 0 };
  const progress = options.onProgress ?? (() => {});
  try {
    await ensureSchema(db, types);
    const typePaths = new Map(types.map((t) => [t.type, t.path]));
    for (;;) {
      const state = await readState(db, region, options.server);
      try {
        if (!state.snapshotComplete) {
          for (const { path } of types) {
            if (state.doneTypes.includes(path)) continue;
            const before = report.snapshotRows;
            report.snapshotRows += await snapshotType(db, server, region, path, state, (rows) =>
              progress({ phase: 'snapshot', type: path, rows: before + rows, changes: report.changes }),
            );
          }
          await db.query(`update ${MIRROR_SCHEMA}.sync_state set snapshot_complete = true where region = $1`, [region]);
          state.feedCursor = (await readState(db, region, options.server)).feedCursor;
        }
        let cursor = state.feedCursor;
        const pendingUntil = Date.now() + (options.maxPendingWaitMs ?? 10_000);
        for (;;) {
          const page = await server.changes(cursor, types.map((t) => t.type));
          await applyPage(db, region, typePaths, page);
          cursor = page.cursor;
          report.changes += page.nodes.length;
          progress({ phase: 'feed', rows: report.snapshotRows, changes: report.changes });
          if (page.pageInfo.hasNextPage) continue;
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
