/**
 * The sync client's side of the wire: the export listing, the snapshot export and the change feed
 * of a Sunshine server, each answer checked before the client acts on it. Values the server sends
 * reach the mirror only as bind parameters (ids, states, cursors); which table they go to is decided
 * by the client's own list of types (sync/client-types.ts).
 */
import readline from 'node:readline';
import { Readable } from 'node:stream';
import { isRegionCode } from '../platform/region-code.js';
import { offeredTypes, plain, shown, SyncError, unexpectedAnswer, type MirroredType } from './client-types.js';

const FEED_PAGE = 1000;
/** Longer than any cursor this server hands out (a few hundred characters, more with a long snapshot). */
const MAX_CURSOR = 8000;

export type ExportLine =
  | { kind: 'header'; cursor: string }
  | { kind: 'row'; json: string }
  | { kind: 'end'; rows: number };

export interface FeedChange {
  id: string;
  /** The object's current state (UPSERT), or null: it is not visible any more (LEFT_SCOPE). */
  state: Record<string, unknown> | null;
}

export interface FeedPage {
  cursor: string;
  pending: boolean;
  hasNextPage: boolean;
  /** In feed order, with the mirrored type each belongs to. */
  changes: { type: MirroredType; change: FeedChange }[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkCursor(cursor: unknown, where: string): string {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR) throw unexpectedAnswer(`${where} carries no cursor`);
  return cursor;
}

/** An object of a mirrored type: its `__typename` and a string `id` (the mirror's primary key). */
function checkObject(value: unknown, type: MirroredType, where: string): Record<string, unknown> {
  if (!isObject(value) || value.__typename !== type.typename || typeof value.id !== 'string' || value.id.length === 0) {
    throw unexpectedAnswer(`${where}: not a ${type.typename} with an id (${shown(isObject(value) ? value.__typename : value)})`);
  }
  return value;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw unexpectedAnswer(`${where} is not JSON`);
  }
}

async function errorOf(res: Response, what: string): Promise<SyncError> {
  const body = (await res.json().catch(() => ({}))) as { errors?: { message?: unknown; extensions?: { code?: unknown } }[] };
  const first = body.errors?.[0];
  const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : undefined;
  return new SyncError(`${what}: ${typeof first?.message === 'string' ? plain(first.message) : res.status}`, code);
}

export class SunshineServer {
  constructor(private readonly base: string, private readonly token: string) {}

  private headers(extra: Record<string, string> = {}) {
    return { authorization: `Bearer ${this.token}`, ...extra };
  }

  /** The token's jurisdiction and the types it may pull, each one this client knows. */
  async types(): Promise<{ jurisdiction: string; types: MirroredType[] }> {
    const res = await fetch(`${this.base}/export/v1/`, { headers: this.headers() });
    if (res.status !== 200) throw await errorOf(res, 'GET /export/v1/');
    const body = parseJson(await res.text(), 'GET /export/v1/');
    const jurisdiction = (body as { jurisdiction?: unknown } | null)?.jurisdiction;
    if (!isRegionCode(jurisdiction)) throw unexpectedAnswer(`GET /export/v1/ names no jurisdiction (${shown(jurisdiction)})`);
    return { jurisdiction, types: offeredTypes(body) };
  }

  /**
   * The export of one type, line by line (gzip on the wire; fetch decodes it): the header with its
   * cursor first, then the objects (as the server's JSON text, each checked), then the end line.
   */
  async *export(type: MirroredType, within: string): AsyncGenerator<ExportLine> {
    const where = `the export of ${type.path}`;
    const res = await fetch(`${this.base}/export/v1/${type.path}?within=${within}`, { headers: this.headers({ 'accept-encoding': 'gzip' }) });
    if (res.status !== 200 || !res.body) throw await errorOf(res, `GET /export/v1/${type.path}`);
    const lines = readline.createInterface({ input: Readable.fromWeb(res.body as never), crlfDelay: Infinity });
    let header = false;
    for await (const line of lines) {
      if (!line) continue;
      const value = parseJson(line, `a line of ${where}`);
      if (!header) {
        if (!isObject(value) || typeof value.snapshot !== 'string') throw unexpectedAnswer(`${where} does not begin with its snapshot`);
        header = true;
        yield { kind: 'header', cursor: checkCursor(value.cursor, `the header of ${where}`) };
      } else if (isObject(value) && value.end === true) {
        if (!Number.isSafeInteger(value.rows)) throw unexpectedAnswer(`the end line of ${where} counts no rows`);
        yield { kind: 'end', rows: value.rows as number };
        return;
      } else {
        checkObject(value, type, `a row of ${where}`);
        yield { kind: 'row', json: line };
      }
    }
  }

  /** One page of the feed from `after`, for `types`; a change of any other type, or an unknown operation, is refused. */
  async changes(after: string | null, types: readonly MirroredType[]): Promise<FeedPage> {
    const res = await fetch(`${this.base}/graphql`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({
        query: `query ($after: String, $first: Int, $types: [ChangeType!]) { changes(after: $after, first: $first, types: $types) {
          cursor pending pageInfo { hasNextPage } nodes { type id: objectId operation state } } }`,
        variables: { after, first: FEED_PAGE, types: types.map((t) => t.changeType) },
      }),
    });
    const body = parseJson(await res.text(), 'the answer of changes') as { data?: { changes?: unknown }; errors?: { message?: unknown; extensions?: { code?: unknown } }[] } | null;
    const error = body?.errors?.[0];
    if (error) throw new SyncError(`changes: ${typeof error.message === 'string' ? plain(error.message) : 'error'}`, typeof error.extensions?.code === 'string' ? error.extensions.code : undefined);
    return checkPage(body?.data?.changes, types);
  }
}

function checkPage(page: unknown, types: readonly MirroredType[]): FeedPage {
  if (!isObject(page) || !Array.isArray(page.nodes) || !isObject(page.pageInfo) || typeof page.pageInfo.hasNextPage !== 'boolean' || typeof page.pending !== 'boolean') {
    throw unexpectedAnswer('changes is not a page of the feed');
  }
  const byName = new Map(types.map((t) => [t.changeType as string, t]));
  const changes = page.nodes.map((node: unknown) => {
    const { type: name, id, operation, state } = (isObject(node) ? node : {}) as Record<string, unknown>;
    const type = typeof name === 'string' ? byName.get(name) : undefined;
    if (!type) throw unexpectedAnswer(`the feed sent a change of type ${shown(name)}, which was not asked for`);
    if (typeof id !== 'string' || id.length === 0) throw unexpectedAnswer(`the feed sent a change of ${type.changeType} without an id`);
    if (operation === 'LEFT_SCOPE') return { type, change: { id, state: null } };
    if (operation !== 'UPSERT') throw unexpectedAnswer(`the feed sent the operation ${shown(operation)}`);
    const object = checkObject(state, type, `a change of the feed`);
    if (object.id !== id) throw unexpectedAnswer(`the feed sent a change of ${shown(id)} whose state is ${shown(object.id)}`);
    return { type, change: { id, state: object } };
  });
  return { cursor: checkCursor(page.cursor, 'a page of the feed'), pending: page.pending, hasNextPage: page.pageInfo.hasNextPage, changes };
}
