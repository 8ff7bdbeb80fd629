/**
 * Snapshot export: every object of the asked types that the caller may see, as NDJSON, read from ONE
 * database snapshot (a REPEATABLE READ, READ ONLY transaction) through a server-side cursor, a batch
 * at a time — memory stays constant whatever the size, and the consumer's pace (backpressure) sets
 * the pace of the reads.
 *
 * The first line names the snapshot and carries the feed cursor to continue from: the feed then
 * delivers exactly the transactions the snapshot does not contain (sync/cursor.ts). Then one object
 * per line (its `__typename` tells the type), and last `{"end":true,"rows":N}` — a body cut short
 * lacks it.
 *
 * Every export is written to the access log (registry.access_log, entity_type 'Export'): one row
 * before the first byte (so no export goes unlogged), one when it ends with the rows sent. Those
 * writes use their own short transactions: the snapshot transaction stays read-only and holds no
 * transaction id, so a long export never holds the feed's horizon back.
 */
import type pg from 'pg';
import type { Viewer } from '../auth/viewer.js';
import { cursorBeforeSnapshot, databaseEpoch } from './feed.js';
import { logBulkPull, parseWithin, requireTypes, SCOPE_CTE, scopeParams } from './scope.js';
import { scopeValues, type ChangeType, type ExportedType } from './types.js';

const BATCH = 2000;

export interface ExportRequest {
  types: readonly ChangeType[];
  /** A region code (12 digits or its 2/4/6/9-digit prefix) inside the jurisdiction; the jurisdiction when null. */
  within: string | null;
}

export interface ExportHeader {
  snapshot: string;
  cursor: string;
  types: string[];
  within: string;
  jurisdiction: string;
  exportedAt: string;
}

/** Receives the NDJSON text; resolves when the consumer can take more (backpressure). */
export type Sink = (chunk: string) => Promise<void>;

const logExport = (pool: pg.Pool, viewer: Viewer, exportId: string, types: ExportedType[], within: string, reason: string, rows: number | null) =>
  logBulkPull(pool, viewer, { kind: 'Export', id: exportId, reason, region: within, paths: types.map((t) => t.path), rows });

/** Validates the request (FORBIDDEN / BAD_USER_INPUT before anything is sent), then streams it into `sink`. */
export async function prepareExport(pool: pg.Pool, viewer: Viewer, request: ExportRequest) {
  const types = requireTypes(viewer, request.types);
  // (an empty ?within= is the jurisdiction, as leaving it out)
  const within = (request.within ? parseWithin(viewer, request.within) : null) ?? viewer.jurisdiction;
  return {
    types,
    within,
    run: (sink: Sink, aborted: () => boolean) => runExport(pool, viewer, types, within, sink, aborted),
  };
}

async function runExport(pool: pg.Pool, viewer: Viewer, types: ExportedType[], within: string, sink: Sink, aborted: () => boolean): Promise<number> {
  const [{ id: exportId }] = (await pool.query<{ id: string }>(`select nextval('sync.export_id_seq')::text as id`)).rows as [{ id: string }];
  const label = `snapshot export of ${types.map((t) => t.path).join(',')}`;
  await logExport(pool, viewer, exportId, types, within, `${label}: started`, null);
  let rows = 0;
  let complete = false;
  const client = await pool.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    // The first statement fixes the transaction's snapshot; every read below sees exactly it.
    const { rows: [snap] } = await client.query<{ snapshot: string; now: string }>(
      `select pg_current_snapshot()::text as snapshot, to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as now`,
    );
    const epoch = await databaseEpoch(client);
    const header: ExportHeader = {
      snapshot: snap!.snapshot,
      // The feed from this cursor follows the same `within`: a narrowed snapshot, narrowed changes.
      cursor: cursorBeforeSnapshot(epoch, viewer.jurisdiction, snap!.snapshot, within === viewer.jurisdiction ? null : within),
      types: types.map((t) => t.path),
      within,
      jurisdiction: viewer.jurisdiction,
      exportedAt: snap!.now,
    };
    await sink(`${JSON.stringify(header)}\n`);
    const params = scopeValues(scopeParams(viewer, within === viewer.jurisdiction ? null : within));
    for (const type of types) {
      if (aborted()) break;
      await client.query(`declare export_rows no scroll cursor for ${SCOPE_CTE} select (${type.json})::text as line from ${type.from} where ${type.visible} order by ${type.key}`, params);
      for (;;) {
        const { rows: batch } = await client.query<{ line: string }>(`fetch ${BATCH} from export_rows`);
        if (batch.length === 0 || aborted()) break;
        rows += batch.length;
        await sink(batch.map((r) => r.line).join('\n') + '\n');
      }
      await client.query('close export_rows');
    }
    // The last line says the export is whole: a body cut short (a dropped connection) lacks it.
    if (!aborted()) await sink(`${JSON.stringify({ end: true, rows })}\n`);
    await client.query('commit');
    complete = !aborted();
    return rows;
  } finally {
    if (!complete) await client.query('rollback').catch(() => {});
    client.release();
    await logExport(pool, viewer, exportId, types, within, `${label}: ${complete ? 'finished' : 'aborted'}`, rows).catch(() => {});
  }
}
