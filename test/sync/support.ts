/** Helpers for the sync tests: the feed and the export driven over HTTP like a county system does. */
import { isDeepStrictEqual } from 'node:util';
import { gunzipSync } from 'node:zlib';
import type pg from 'pg';
import type { TestApi } from '../support/api.js';
import { tokenFor } from '../support/api.js';
import type { Role } from '../../auth/roles.js';

export const FEED = `query ($after: String, $first: Int, $types: [ChangeType!]) {
  changes(after: $after, first: $first, types: $types) {
    cursor pending pageInfo { hasNextPage }
    nodes { type id: objectId operation committedAt state hash }
  }
}`;
/** The same, narrowed: `within` a region of the jurisdiction. */
export const FEED_WITHIN = FEED.replace('$types: [ChangeType!])', '$types: [ChangeType!], $within: String)').replace('types: $types)', 'types: $types, within: $within)');

export interface FeedChange {
  type: string;
  id: string;
  operation: 'UPSERT' | 'LEFT_SCOPE';
  committedAt: string;
  state: Record<string, any> | null;
  hash: string | null;
}

export function feedOf(api: TestApi, role: Role, jurisdiction: string) {
  const caller = api.as(role, jurisdiction);
  return {
    async page(after: string | null, first = 500, types?: string[], within?: string) {
      const res = await caller.gql<{ changes: { cursor: string; pending: boolean; pageInfo: { hasNextPage: boolean }; nodes: FeedChange[] } }>(within === undefined ? FEED : FEED_WITHIN, { after, first, types, within });
      return res;
    },
    /**
     * Follows the feed from `after` until it has caught up: nothing more readable and nothing held back
     * (other test files' transactions on the same server hold the horizon back for a while).
     */
    async drain(after: string | null, types?: string[]) {
      const all: FeedChange[] = [];
      let cursor = after;
      for (;;) {
        const res = await this.page(cursor, 500, types);
        if (res.errors) throw new Error(JSON.stringify(res.errors));
        all.push(...res.data!.changes.nodes);
        cursor = res.data!.changes.cursor;
        if (!res.data!.changes.pageInfo.hasNextPage && !res.data!.changes.pending) return { changes: all, cursor: cursor! };
        if (!res.data!.changes.pageInfo.hasNextPage) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

export interface ExportResult {
  status: number;
  headers: Headers;
  header: Record<string, any>;
  rows: Record<string, any>[];
  trailer: Record<string, any> | null;
  text: string;
}

export async function exportAs(api: TestApi, role: Role, jurisdiction: string, types: string, query = '', init: { gzip?: boolean } = {}): Promise<ExportResult> {
  const base = api.url.replace(/\/graphql$/, '');
  const response = await fetch(`${base}/export/v1/${types}${query}`, {
    headers: { authorization: `Bearer ${await tokenFor(role, jurisdiction)}`, 'accept-encoding': init.gzip ? 'gzip' : 'identity' },
  });
  const raw = Buffer.from(await response.arrayBuffer());
  // fetch decodes gzip itself; when it did not, the bytes are still compressed.
  const text = init.gzip && raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  if (response.status !== 200) return { status: response.status, headers: response.headers, header: JSON.parse(text), rows: [], trailer: null, text };
  const lines = text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
  const last = lines.at(-1);
  const trailer = last && last.end === true ? lines.pop() : null;
  return { status: 200, headers: response.headers, header: lines[0], rows: lines.slice(1), trailer, text };
}

/**
 * How a mirror (sync/client.ts) differs from a fresh export for the same token, every type it
 * holds: "<path> <id>: …" lines, none when they are equal row for row.
 */
export async function mirrorDifferences(api: TestApi, mirror: Pick<pg.Pool, 'query'>, role: Role, jurisdiction: string): Promise<string[]> {
  const base = api.url.replace(/\/graphql$/, '');
  const listing = await (await fetch(`${base}/export/v1/`, { headers: { authorization: `Bearer ${await tokenFor(role, jurisdiction)}` } })).json();
  const differences: string[] = [];
  for (const { path } of listing.types as { path: string }[]) {
    const fresh = await exportAs(api, role, jurisdiction, path);
    const { rows } = await mirror.query(`select id, state from sunshine_mirror.${path.replace(/-/g, '_')}`);
    const mirrored = new Map(rows.map((r: { id: string; state: unknown }) => [r.id, r.state]));
    for (const row of fresh.rows) {
      if (!mirrored.has(row.id)) differences.push(`${path} ${row.id}: missing`);
      else if (!isDeepStrictEqual(mirrored.get(row.id), row)) differences.push(`${path} ${row.id}: differs`);
      mirrored.delete(row.id);
    }
    for (const id of mirrored.keys()) differences.push(`${path} ${id}: not in the export`);
  }
  return differences;
}

/** Polls `condition` until it holds; fails after `timeoutMs`, naming `what` it waited for. */
export async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Moves an elder's household and residence to `village` through the API (as the test server's default caller). */
export async function moveElder(api: TestApi, id: string, village: string): Promise<void> {
  const res = await api.gql(`mutation ($id: ID!, $v: String!) { updateElder(id: $id, input: { hukouVillageCode: $v, residenceVillageCode: $v }) { id } }`, { id, v: village });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
}
