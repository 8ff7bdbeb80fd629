/** The real HTTP server on a free port, over a test database, and a small GraphQL client for it. */
import { pino } from 'pino';
import { createApp, type App } from '../../api/server.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; field?: string; [key: string]: unknown } }[];
}

export interface TestApi {
  url: string;
  app: App;
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export async function startTestApi(db: TestDatabase, options: { production?: boolean } = {}): Promise<TestApi> {
  const app = await createApp({ pool: db.pool, sql: db.sql, log: pino({ level: 'silent' }), production: options.production ?? false });
  const url = await app.listen(0, '127.0.0.1');
  return {
    url,
    app,
    async gql(query, variables, headers = {}) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...(await response.json()) };
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
