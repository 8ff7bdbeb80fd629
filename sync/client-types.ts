/**
 * What the sync client knows by itself, before it asks any server: the types a mirror may hold and
 * the tables they go to, and the client's errors.
 *
 * Table names and every other SQL identifier come from this list — the client's own definitions of
 * the mirrored types (sync/types.ts) — and never from a server's answer. The default --server is
 * plain http: a spoofed answer whose export paths were pasted into `create table` once ran the
 * spoofer's SQL in the county's database. A server that offers a path this client does not know is
 * refused before anything is written (an older client against a newer server must be upgraded, not
 * guess).
 */
import pg from 'pg';
import { EXPORTED_TYPES, type ChangeType } from './types.js';

export const MIRROR_SCHEMA = 'sunshine_mirror';
/**
 * Where a snapshot is staged before it replaces the mirror's rows (sync/client-mirror.ts): a schema
 * of its own, so that `sunshine_mirror` holds only what the county's systems read.
 */
export const STAGING_SCHEMA = 'sunshine_mirror_staging';

export class SyncError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'SyncError';
  }
}

/** The server's answer is not what a Sunshine server sends (a spoofed or broken server): nothing of it is written. */
export const unexpectedAnswer = (what: string) => new SyncError(`unexpected answer from the server: ${what}; nothing of it was written (is --server the Sunshine server, over https?)`, 'UNEXPECTED_ANSWER');

/** A server-provided value, shortened and escaped (JSON: control characters too) for an error message. */
export const shown = (value: unknown) => JSON.stringify(typeof value === 'string' ? value.slice(0, 60) : value)?.slice(0, 80) ?? String(value);

/** A server's error message as the client passes it on (to a terminal): shortened, without control characters. */
export const plain = (message: string) => message.slice(0, 300).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

export interface MirroredType {
  changeType: ChangeType;
  /** GET /export/v1/<path>. */
  path: string;
  /** `__typename` of its objects. */
  typename: string;
  /** The mirror table, schema-qualified and quoted. */
  table: string;
  /** Its staging table (same name in STAGING_SCHEMA), where a snapshot waits until it is complete. */
  staging: string;
}

/** A name of the mirror schema, quoted: safe whatever it holds. */
export const mirrorTable = (name: string, schema = MIRROR_SCHEMA) => `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;

export const MIRRORED_TYPES: readonly MirroredType[] = EXPORTED_TYPES.map((t) => ({
  changeType: t.changeType,
  path: t.path,
  typename: t.typename,
  table: mirrorTable(t.path.replace(/-/g, '_')),
  staging: mirrorTable(t.path.replace(/-/g, '_'), STAGING_SCHEMA),
}));

const byPath = new Map(MIRRORED_TYPES.map((t) => [t.path, t]));

/**
 * The types of a `GET /export/v1/` listing, checked against MIRRORED_TYPES: an entry of a type this
 * client knows must name that type's path, once; an entry of a type it does not know (a newer
 * server's) is left out — never mirrored, so its path never reaches SQL — rather than stopping
 * every county's sync on the day the server adds a type. In the client's order, so every run
 * snapshots in the same order whatever order the server lists them in.
 */
export function offeredTypes(listing: unknown): MirroredType[] {
  const entries = (listing as { types?: unknown } | null)?.types;
  if (!Array.isArray(entries)) throw unexpectedAnswer('GET /export/v1/ lists no types');
  const offered = new Set<MirroredType>();
  for (const entry of entries) {
    const { path, type } = (entry ?? {}) as { path?: unknown; type?: unknown };
    const ofType = MIRRORED_TYPES.find((t) => t.changeType === type);
    const ofPath = typeof path === 'string' ? byPath.get(path) : undefined;
    if (!ofType && !ofPath) continue; // a type this client does not mirror
    if (!ofType || ofPath !== ofType) throw unexpectedAnswer(`GET /export/v1/ offers the export ${shown(path)} as type ${shown(type)}${ofType ? `, whose export is ${ofType.path}` : ''}`);
    if (offered.has(ofType)) throw unexpectedAnswer(`GET /export/v1/ offers ${shown(path)} twice`);
    offered.add(ofType);
  }
  return MIRRORED_TYPES.filter((t) => offered.has(t));
}
