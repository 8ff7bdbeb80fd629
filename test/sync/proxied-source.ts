/**
 * The source side of the client tests that steer what the client hears: a server holding 丰县's demo
 * population and a month of payments, behind a proxy (proxy.ts) whose rewrites are reset after each
 * test, a SYSTEM_CLIENT token of 丰县, and empty mirror databases made on demand and dropped at the end.
 */
import { Ledger } from '../../ledger/ledger.js';
import { RegistryService } from '../../registry/registry.js';
import { generateDemoRegistry } from '../../demo/registry.js';
import { payDemoMonth } from '../../demo/payments.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestApi, tokenFor, type TestApi } from '../support/api.js';
import { FENG } from '../registry/support.js';
import { startProxy, type TestProxy } from './proxy.js';

export interface ProxiedSource {
  source: TestDatabase;
  api: TestApi;
  proxy: TestProxy;
  token: string;
  /** A new empty mirror database, dropped after the file's tests. */
  newMirror(): Promise<TestDatabase>;
}

/** Registers the hooks; the fields are set once the file's first beforeAll has run. */
export function useProxiedSource(): ProxiedSource {
  const mirrors: TestDatabase[] = [];
  const fixture = {
    async newMirror() {
      const m = await createTestDatabase({ withXuzhou: false });
      mirrors.push(m);
      return m;
    },
  } as ProxiedSource;
  beforeAll(async () => {
    fixture.source = await createTestDatabase({ withXuzhou: true });
    await generateDemoRegistry(fixture.source.pool, new RegistryService(fixture.source.pool, fixture.source.sql), { cityPrefix: '320321', eldersPerVillage: 1 });
    await payDemoMonth(fixture.source.pool, new Ledger(fixture.source.pool), { cityCode: '320300000000', month: '2026-10' });
    fixture.api = await startTestApi(fixture.source);
    fixture.proxy = await startProxy(fixture.api.url);
    fixture.token = await tokenFor('SYSTEM_CLIENT', FENG);
  }, 120_000);
  afterEach(() => {
    fixture.proxy.listing = null;
    fixture.proxy.graphql = null;
    fixture.proxy.exports = null;
  });
  afterAll(async () => {
    await fixture.proxy?.close();
    await fixture.api?.close();
    for (const m of mirrors) await m.drop();
    await fixture.source?.drop();
  });
  return fixture;
}
