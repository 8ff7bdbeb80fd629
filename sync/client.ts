/**
 * The sync client a county runs (npm run sync): mirrors its jurisdiction into its own PostgreSQL.
 *
 * Snapshot first — one export per type, each staged in batches and switched into the mirror once
 * complete, in one transaction (the county never reads a partial snapshot) — then the change feed.
 * Resumable after a crash at any point, because every batch is applied in ONE transaction of the
 * mirror together with the progress it makes: the feed cursor (taken from the first export staged,
 * so every change after it is replayed — applying a change is idempotent: it writes the object's
 * current state or deletes it), the types whose snapshot is staged or switched in, and after the
 * snapshot the feed's cursor. A type whose staging was interrupted is exported again from the start.
 *
 * Mirror tables (schema sunshine_mirror, created on first run): one per type (`elders`,
 * `service_records`, …) with the global id, the state as the API shows it (jsonb), and when it was
 * written; `sync_state` holds the progress of the mirror's one region (a second region is refused:
 * MIRROR_IN_USE). Which tables exist and where a row goes is decided by the client's own list of
 * types (sync/client-types.ts); the server's answers are checked (sync/client-server.ts) and reach
 * the mirror only as bind parameters. One run at a time per mirror database, and no run writes over
 * progress it did not make (sync/client-mirror.ts).
 */
import { plain, SyncError, unexpectedAnswer, type MirroredType } from './client-types.js';
import { SunshineServer, type FeedPage } from './client-server.js';
import { Mirror, type MirrorState, type TypeChanges } from './client-mirror.js';
import { parseRegionCode } from '../platform/region-code.js';

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
  /**
   * Told when the mirror database ends one of the run's connections (a restart, pg_terminate_backend):
   * the run goes on, the next statement reconnects (default: a line on stderr). Losing the lock's
   * connection also stops the run at its next write (MIRROR_LOCK_LOST).
   */
  onConnectionLost?: (error: Error) => void;
}

export interface SyncProgress {
  phase: 'snapshot' | 'feed';
  type?: string;
  rows: number;
  changes: number;
}

export interface SyncReport {
  snapshotRows: number;
  /** The export paths snapshotted by this run (all of them the first time; later, a type offered anew). */
  snapshotTypes: string[];
  changes: number;
  resyncs: number;
  /**
   * The run stopped while the server still held changes back (a transaction running there holds the
   * feed's horizon): the mirror is consistent but not yet current. Without `follow` the run waits
   * `maxPendingWaitMs` for them first.
   */
  pending: boolean;
}

/** The export of one type into its staging table, a batch per transaction; `state` follows what is stored. */
async function stageType(mirror: Mirror, server: SunshineServer, type: MirroredType, state: MirrorState, progress: (rows: number) => void): Promise<number> {
  let rows = 0;
  let batch: string[] = [];
  let complete = false;
  let cursor: string | null = null;
  let first = true;
  const flush = async (done: boolean) => {
    const lines = batch;
    batch = [];
    await mirror.stageBatch(type, lines, { cursor: cursor!, first, done }, state);
    first = false;
  };
  for await (const line of server.export(type, mirror.region)) {
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
  return rows;
}

/**
 * What one page of the feed does to each type. Every change carries the object's current state, so
 * within a page only the last change of each object matters: one upsert and one delete per type.
 */
function changesOf(page: FeedPage): Map<MirroredType, TypeChanges> {
  const last = new Map<string, FeedPage['changes'][number]>();
  for (const entry of page.changes) {
    const key = `${entry.type.changeType}:${entry.change.id}`;
    last.delete(key); // re-insert: keeps the map in the order of last changes
    last.set(key, entry);
  }
  const byType = new Map<MirroredType, TypeChanges>();
  for (const { type, change } of last.values()) {
    const entry = byType.get(type) ?? byType.set(type, { upserts: [], deletes: [] }).get(type)!;
    if (change.state) entry.upserts.push(JSON.stringify(change.state));
    else entry.deletes.push(change.id);
  }
  return byType;
}

interface Run {
  options: SyncOptions;
  server: SunshineServer;
  mirror: Mirror;
  report: SyncReport;
  progress: (p: SyncProgress) => void;
}

/** The types the token may pull, each one this client knows (checked before the mirror is written: a spoofed listing writes nothing). */
async function offeredTypes({ server, mirror }: Run): Promise<MirroredType[]> {
  const { jurisdiction, types } = await server.types();
  if (jurisdiction !== mirror.region) throw new SyncError(`the token's jurisdiction is ${jurisdiction}, not ${mirror.region}: mirror with a token of the region`);
  return types;
}

/**
 * Snapshots every offered type the mirror has not snapshotted, each into its staging table first:
 * the mirror's rows change only when a snapshot is complete, in one transaction (Mirror.switchIn).
 *
 * Replacing the mirror (the first sync, or after RESYNC_REQUIRED): every type is staged, then all
 * are switched in together with the feed cursor of the first one staged — until then the county
 * reads the old mirror, whole, and a failure leaves it so (the next run goes on staging).
 *
 * Otherwise a type offered anew (the token gained `ledger:read`, or lost a permission and got it
 * back) is staged and switched in alone, and the feed goes on from the mirror's own cursor, not from
 * the new type's snapshot cursor, which is later: the other types miss nothing, and the new type's
 * changes between the two come again — harmless, as each carries the object's current state
 * (docs/sync.md "Never missing a change"). Nothing the new snapshot lacks is skipped either: the
 * feed skips only transactions visible in the snapshot the cursor came from, which this later
 * snapshot sees too.
 */
async function snapshotMissing(run: Run, types: readonly MirroredType[], state: MirrorState): Promise<void> {
  const stage = async (type: MirroredType) => {
    const before = run.report.snapshotRows;
    run.report.snapshotRows += await stageType(run.mirror, run.server, type, state, (rows) =>
      run.progress({ phase: 'snapshot', type: type.path, rows: before + rows, changes: run.report.changes }),
    );
    run.report.snapshotTypes.push(type.path);
  };
  if (state.replacing) {
    for (const type of types) if (!state.stagedTypes.includes(type.path)) await stage(type);
    if (types.length) await run.mirror.switchIn(types, state);
    return;
  }
  for (const type of types) {
    if (state.doneTypes.includes(type.path)) continue;
    // (staged by a run that stopped before its switch: its snapshot is still later than the cursor)
    if (!state.stagedTypes.includes(type.path)) await stage(type);
    await run.mirror.switchIn([type], state);
  }
  if (!state.snapshotComplete) await run.mirror.completeSnapshot(state);
}

const sameTypes = (a: readonly MirroredType[], b: readonly MirroredType[]) => a.length === b.length && a.every((t, i) => t === b[i]);

/**
 * Follows the feed until it has caught up (`follow`: until stopped). Answers 'types changed' when a
 * following run finds the server offering other types than when it started: it goes round again
 * (snapshot of a new type, then the feed with it).
 */
async function followFeed(run: Run, types: readonly MirroredType[], state: MirrorState): Promise<'done' | 'types changed'> {
  const { options, server, mirror, report } = run;
  const pendingUntil = Date.now() + (options.maxPendingWaitMs ?? 10_000);
  for (;;) {
    const page = await server.changes(state.feedCursor, types);
    await mirror.applyPage(changesOf(page), page.cursor, state.feedCursor);
    state.feedCursor = page.cursor;
    report.changes += page.changes.length;
    report.pending = page.pending;
    run.progress({ phase: 'feed', rows: report.snapshotRows, changes: report.changes });
    if (page.hasNextPage) continue;
    // Held back by a transaction still running on the server: it ends soon (or the wait is bounded).
    if (page.pending && !options.follow && Date.now() < pendingUntil) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    if (!options.follow || options.signal?.aborted) return 'done';
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 5000));
    if (options.signal?.aborted) return 'done';
    if (!sameTypes(await offeredTypes(run), types)) return 'types changed';
  }
}

/** The options a caller gives, checked before anything is done (an --interval of "abc" was NaN: a poll every millisecond). */
function checkOptions(options: SyncOptions): string {
  const bad = (message: string) => new SyncError(message, 'BAD_OPTION');
  let region: string;
  try {
    region = parseRegionCode(options.region, 'region'); // as every region code is read (a 3-digit "320" was padded into a code)
  } catch {
    throw bad(`the region must be a region code (12 digits, or its 2/4/6/9-digit prefix), got ${JSON.stringify(options.region.slice(0, 20))}`);
  }
  if (options.intervalMs !== undefined && !(Number.isFinite(options.intervalMs) && options.intervalMs > 0)) throw bad(`the poll interval must be a positive number of milliseconds, got ${options.intervalMs}`);
  if (options.maxPendingWaitMs !== undefined && !(Number.isFinite(options.maxPendingWaitMs) && options.maxPendingWaitMs >= 0)) throw bad(`the wait for held-back changes must be 0 or more milliseconds, got ${options.maxPendingWaitMs}`);
  try {
    if (!/^https?:$/.test(new URL(options.server).protocol)) throw new Error();
  } catch {
    throw bad(`the server must be an http(s) URL, got ${JSON.stringify(options.server.slice(0, 60))}`);
  }
  return region;
}

/**
 * Each lost connection once (pg-pool reports an idle connection's error twice: the connection's own
 * event and the pool's), without the message's details beyond PostgreSQL's own text.
 */
function connectionLostReporter(report?: (error: Error) => void): (error: Error) => void {
  const seen = new WeakSet<Error>();
  const tell = report ?? ((error: Error) => void process.stderr.write(`sync: a connection to the mirror database was lost (${plain(error.message)}); the next statement reconnects\n`));
  return (error) => {
    if (seen.has(error)) return;
    seen.add(error);
    tell(error);
  };
}

export async function runSync(options: SyncOptions): Promise<SyncReport> {
  const region = checkOptions(options);
  const server = new SunshineServer(options.server.replace(/\/(graphql)?$/, ''), options.token);
  // The lock first: a second run stops before it asks the server anything or touches the mirror.
  const mirror = await Mirror.open(options.to, region, connectionLostReporter(options.onConnectionLost));
  const run: Run = { options, server, mirror, report: { snapshotRows: 0, snapshotTypes: [], changes: 0, resyncs: 0, pending: false }, progress: options.onProgress ?? (() => {}) };
  try {
    for (;;) {
      const types = await offeredTypes(run);
      await mirror.ensureSchema(types);
      const state = await mirror.readState(options.server, types);
      try {
        await snapshotMissing(run, types, state);
        if ((await followFeed(run, types, state)) === 'done') return run.report;
      } catch (error) {
        if (!(error instanceof SyncError && error.code === 'RESYNC_REQUIRED')) throw error;
        // The server cannot continue from our cursor: a new snapshot replaces the mirror, never a gap.
        run.report.resyncs++;
        await mirror.beginRebuild(state);
      }
    }
  } finally {
    await mirror.close();
  }
}
