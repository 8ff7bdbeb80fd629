/**
 * A bundle download the client walks away from while the server is waiting for it to read: the
 * export must end (its transaction closed, its connection back in the pool) and stay in the access
 * log. Before 2026-12-03 the route waited for 'drain' only: the export waited forever, idle in a
 * transaction holding an xid, and with it the change feed's horizon for every county.
 */
import net from 'node:net';
import { ProofService } from '../../ledger/proof/index.js';
import { COUNTY, createLedgerFixture, disbursement, fundCounty, type LedgerFixture } from '../ledger/support.js';
import { authHeader, startTestApi, type TestApi } from '../support/api.js';
import { testKeys } from './support.js';

let fx: LedgerFixture;
let api: TestApi;

beforeAll(async () => {
  fx = await createLedgerFixture();
  const proofs = new ProofService(fx.db.pool, testKeys().keys);
  api = await startTestApi(fx.db, { proofs });
  const lot = await fundCounty(fx, 10_000_000_000n);
  // ≈ 6 MB of bundle: more than the sockets' buffers hold, so the server has to wait for the reader.
  const lines = Array.from({ length: 3000 }, (_, i) => disbursement(fx, { amount: 100n, lotId: lot, payeeId: `elder-${i}`, memo: '三月 尊老金 '.repeat(150) }));
  await fx.ledger.disburseBatch(lines, 'clerk');
  await proofs.step();
}, 180_000);

afterAll(async () => {
  await api?.close();
  await fx?.db.drop();
});

/** The backends of this database inside a transaction other than the one asking. */
const openTransactions = async () =>
  (await fx.db.pool.query(`select pid, state from pg_stat_activity where datname = current_database() and xact_start is not null and pid <> pg_backend_pid()`)).rows;

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a client that stops reading and goes away ends the export; the export stays in the access log', async () => {
  const { authorization } = await authHeader('AUDITOR', COUNTY);
  const { hostname, port } = new URL(api.url);
  const socket = net.connect({ host: hostname, port: Number(port) });
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.pause(); // reads nothing: the server's writes fill the buffers and it waits
  socket.write(`GET /ledger/export?region=${COUNTY} HTTP/1.1\r\nHost: test\r\nAuthorization: ${authorization}\r\n\r\n`);
  // the export is under way and stuck behind the full buffers: its transaction stays open, idle
  await until('the export waits for the reader', async () => (await openTransactions()).some((t) => t.state === 'idle in transaction'));
  await new Promise((r) => setTimeout(r, 300));
  expect((await openTransactions()).length).toBeGreaterThan(0);
  socket.destroy();
  await until('the export has ended', async () => (await openTransactions()).length === 0);
  const logged = await fx.db.pool.query(`select subject, region_code from registry.access_log where entity_type = 'LedgerBundle'`);
  expect(logged.rows).toEqual([{ subject: expect.any(String), region_code: COUNTY }]);
}, 60_000);
