/** The real HTTP server on a free port, over a test database, and a small GraphQL client for it. */
import type pg from 'pg';
import { pino } from 'pino';
import { createApp, type App } from '../../api/server.js';
import { secretKeySet, type IssueOptions } from '../../auth/tokens.js';
import type { Role } from '../../auth/roles.js';
import { DEFAULT_LIMITS, type Limits } from '../../api/hardening.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import type { ProofService } from '../../ledger/proof/index.js';

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  extensions?: Record<string, any>;
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; field?: string; [key: string]: unknown } }[];
}

export { TEST_JWT_SECRET, XUZHOU, tokenFor, authHeader } from '../fixtures/tokens.js';
import { TEST_JWT_SECRET, XUZHOU, authHeader, tokenFor } from '../fixtures/tokens.js';

type Gql = <T = Record<string, any>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>) => Promise<GraphQLResponse<T>>;

export interface TestApi {
  url: string;
  app: App;
  /** Sends the operation as CITY_ADMIN of 徐州市 unless `headers` carry their own authorization (pass `{}` via `anonymous`). */
  gql: Gql;
  /** The same without any credential. */
  anonymous: Gql;
  /** The same as another caller. */
  as(role: Role | Role[], jurisdiction?: string, options?: Partial<IssueOptions>): { gql: Gql };
  close(): Promise<void>;
}

export async function startTestApi(db: TestDatabase, options: { production?: boolean; limits?: Partial<Limits>; maxBody?: string; proofs?: ProofService; jit?: boolean; regionTrees?: boolean; regionCache?: boolean; pool?: pg.Pool } = {}): Promise<TestApi> {
  const app = await createApp({
    pool: options.pool ?? db.pool,
    // Another pool: the API's statements go to it (they are not recorded in db.statements then).
    ...(options.pool ? {} : { sql: db.sql }),
    log: pino({ level: 'silent' }),
    production: options.production ?? false,
    keySet: secretKeySet(TEST_JWT_SECRET),
    // Tests fire many requests at once; the rate limit has its own test.
    limits: { ...DEFAULT_LIMITS, requestsPerMinute: 0, costPerMinute: 0, ...options.limits },
    ...(options.maxBody ? { maxBody: options.maxBody } : {}),
    ...(options.proofs ? { proofs: options.proofs } : {}),
    jit: options.jit ?? false,
    regionTrees: options.regionTrees ?? true,
    regionCache: options.regionCache ?? true,
  });
  const url = await app.listen(0, '127.0.0.1');
  const send = async (query: string, variables: Record<string, unknown> | undefined, headers: Record<string, string>) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...(await response.json()) };
  };
  const adminHeader = await authHeader('CITY_ADMIN');
  return {
    url,
    app,
    gql: (query, variables, headers = {}) => send(query, variables, 'authorization' in headers ? headers : { ...adminHeader, ...headers }),
    anonymous: (query, variables, headers = {}) => send(query, variables, headers),
    as(role, jurisdiction = XUZHOU, tokenOptions = {}) {
      const header = authHeader(role, jurisdiction, tokenOptions);
      return { gql: async (query, variables, headers = {}) => send(query, variables, { ...(await header), ...headers }) };
    },
    close: () => app.stop(),
  };
}

/** The codes of all errors in a response, for compact assertions. */
export function errorCodes(response: GraphQLResponse): (string | undefined)[] {
  return (response.errors ?? []).map((error) => error.extensions?.code);
}

/**
 * Registers beforeAll/afterAll hooks that give the enclosing suite its own database copy (with
 * 徐州市) and a server over it; read them through the returned object once the suite runs.
 */
export function useXuzhouApi(): { db: TestDatabase; api: TestApi } {
  const handle = {} as { db: TestDatabase; api: TestApi };
  beforeAll(async () => {
    handle.db = await createTestDatabase({ withXuzhou: true });
    handle.api = await startTestApi(handle.db);
  });
  afterAll(async () => {
    await handle.api?.close();
    await handle.db?.drop();
  });
  return handle;
}
