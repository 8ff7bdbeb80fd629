/**
 * The API's statement timeout (DB_STATEMENT_TIMEOUT_MS): the server's pool is the one MikroORM opens
 * with PostgreSQL's statement_timeout on every connection (platform/pools.ts withStatementTimeout;
 * MikroORM itself drops a URL's `options`). A statement longer than that is cut; the ledger's long
 * writes (a batch of thousands of lines) set their own limit and are not; the group writer's
 * pipelined connections inherit the pool's settings.
 */
import pg from 'pg';
import { inLedgerTransaction } from '../../ledger/group-commit.js';
import { Ledger } from '../../ledger/ledger.js';
import { ReferenceCache } from '../../ledger/planning.js';
import { writeAtomically } from '../../ledger/write.js';
import { openOrm, type MikroORM } from '../../platform/orm.js';
import { withStatementTimeout } from '../../platform/pools.js';
import { ormPool } from '../../platform/sql.js';
import { createLedgerFixture, disbursement, fundCounty, key, type LedgerFixture } from './support.js';

const LIMIT_MS = 150;

let fx: LedgerFixture;
let orm: MikroORM;
let api: pg.Pool;
beforeAll(async () => {
  fx = await createLedgerFixture();
  orm = await openOrm({ url: fx.db.url });
  api = withStatementTimeout(await ormPool(orm), LIMIT_MS);
});
afterAll(async () => {
  await api.end();
  await orm.close();
  await fx.db.drop();
});

test('the API pool carries the timeout, MikroORM’s own pool does not, and a longer statement is cut (57014)', async () => {
  expect((await api.query('show statement_timeout')).rows).toEqual([{ statement_timeout: `${LIMIT_MS}ms` }]);
  expect((await (await ormPool(orm)).query('show statement_timeout')).rows).toEqual([{ statement_timeout: '0' }]);
  await expect(api.query('select pg_sleep(0.6)')).rejects.toMatchObject({ code: '57014' });
});

test('a batch longer than the API’s limit commits (its own limit), and single writes through the group writer still work', async () => {
  const ledger = new Ledger(api);
  const lot = await fundCounty(fx, 100_000_000n);
  const lines = Array.from({ length: 3000 }, (_, i) => disbursement(fx, { idempotencyKey: key('batch'), amount: 100n, lotId: lot, payeeId: `st-${i}` }));
  // The premise: the same batch written without the long writes' limit is cut by the API's.
  const requests = lines.map((line) => ledger.prepare('DISBURSEMENT', line));
  await expect(inLedgerTransaction(api, (client) => writeAtomically(client, requests, 'clerk', new ReferenceCache()))).rejects.toMatchObject({ code: '57014' });
  const results = await ledger.disburseBatch(lines, 'clerk');
  expect(results).toHaveLength(3000);
  expect(results.every((r) => !r.replayed)).toBe(true);
  const single = await ledger.disburse(disbursement(fx, { amount: 100n, lotId: lot, payeeId: 'st-single' }), 'clerk');
  expect(single.replayed).toBe(false);
});
