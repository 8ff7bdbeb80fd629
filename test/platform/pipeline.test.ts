/**
 * Pipelined connections (platform/pipeline.ts), on PostgreSQL: statements sent together answer in
 * order, a failure is the failing statement's own error and leaves nothing of the transaction, a
 * transaction whose `begin` setup fails runs nothing outside it, and a pool made from MikroORM's
 * (whose password is not among its options' keys) connects with the same credentials.
 */
import pg from 'pg';
import { openOrm, type MikroORM } from '../../platform/orm.js';
import { inOrder, isPipelined, pipelinedPool } from '../../platform/pipeline.js';
import { inTransaction, ormPool } from '../../platform/sql.js';
import { createTestDatabase, tolerateDropTermination, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
let plain: pg.Pool;
let pipelined: pg.Pool;
beforeAll(async () => {
  db = await createTestDatabase({ withXuzhou: false });
  await db.pool.query('create table pipeline_probe (n int primary key)');
  plain = new pg.Pool({ connectionString: db.url, max: 2 });
  tolerateDropTermination(plain);
  pipelined = pipelinedPool(plain);
});
afterAll(async () => {
  await pipelined.end();
  await plain.end();
  await db.drop();
});
beforeEach(() => db.pool.query('truncate pipeline_probe'));

const rowsOf = async () => (await db.pool.query('select n from pipeline_probe order by n')).rows.map((r) => r.n as number);

test('a pipelined pool hands out pipelined connections; the pool it copies does not', async () => {
  const [p, q] = [await pipelined.connect(), await plain.connect()];
  try {
    expect(isPipelined(p)).toBe(true);
    expect(isPipelined(q)).toBe(false);
  } finally {
    p.release();
    q.release();
  }
});

describe.each([
  ['pipelined', () => pipelined],
  ['plain', () => plain],
])('inOrder on a %s connection', (_name, poolOf) => {
  test('answers every statement in order, a multi-statement text as its list of results', async () => {
    const client = await poolOf().connect();
    try {
      const results = await inOrder(client, [
        { text: 'select $1::int as n', values: [1] },
        'insert into pipeline_probe values (10); select count(*)::int as c from pipeline_probe',
        { text: 'select n from pipeline_probe where n = $1', values: [10] },
      ]);
      expect(results[0].rows).toEqual([{ n: 1 }]);
      expect(results[1][1].rows).toEqual([{ c: 1 }]);
      expect(results[2].rows).toEqual([{ n: 10 }]);
    } finally {
      client.release();
    }
  });

  test('in a transaction, the failing statement’s own error is thrown (not 25P02), and nothing of it is kept', async () => {
    await expect(
      inTransaction(poolOf(), (client) =>
        inOrder(client, [
          'insert into pipeline_probe values (1)',
          { text: 'select 1 / $1::int', values: [0] },
          'insert into pipeline_probe values (2)',
        ]),
      ),
    ).rejects.toMatchObject({ code: '22012' });
    expect(await rowsOf()).toEqual([]);
    // The connection is usable afterwards.
    expect((await poolOf().query('select 2 as n')).rows).toEqual([{ n: 2 }]);
  });
});

test('when begin’s setup fails, what the transaction sent with it does not run at all, and the error is the setup’s', async () => {
  await expect(
    inTransaction(pipelined, (client) => inOrder(client, ['insert into pipeline_probe values (7)']), 'select 1 / 0'),
  ).rejects.toMatchObject({ code: '22012' });
  expect(await rowsOf()).toEqual([]);
  await inTransaction(pipelined, (client) => inOrder(client, ['insert into pipeline_probe values (8)']), 'select 1');
  expect(await rowsOf()).toEqual([8]);
});

describe('a pipelined copy of MikroORM’s pool', () => {
  let orm: MikroORM;
  let copy: pg.Pool;
  beforeAll(async () => {
    orm = await openOrm({ url: db.url });
    copy = pipelinedPool(await ormPool(orm));
  });
  afterAll(async () => {
    await copy.end();
    await orm.close();
  });

  test('connects as the same user to the same database (its password is carried over)', async () => {
    const who = 'select current_user as "user", current_database() as database';
    expect((await copy.query(who)).rows).toEqual((await (await ormPool(orm)).query(who)).rows);
  });
});
