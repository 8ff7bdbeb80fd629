/**
 * The real hledger, given our journal, must report the same balances as Sunshine's `balances(...)`
 * for every region, fund line and account kind, as of several dates, and for a period export the
 * movement over the period. Where hledger is not installed (apt-get install hledger), the
 * comparisons are skipped and say so.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBooksFixture, exportToBuffer, CITY, COUNTY, OTHER_COUNTY, type BooksFixture } from './support.js';
import { fenToYuan, yuanToFen } from '../../ledger/reports/index.js';
import { ACCOUNT_KINDS } from '../../ledger/types.js';

const probe = spawnSync('hledger', ['--version'], { encoding: 'utf8' });
const HLEDGER = probe.status === 0;
if (!HLEDGER) {
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED: the hledger comparison tests need the hledger program (${probe.error?.message ?? probe.stderr}); install it with apt-get install -y hledger (.ci/run does)`);
}
const withHledger = HLEDGER ? test : test.skip;

let fx: BooksFixture;
let dir: string;
beforeAll(async () => {
  fx = await createBooksFixture();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sunshine-hledger-'));
}, 60_000);
afterAll(async () => {
  await fx?.db.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function hledger(file: string, ...args: string[]): string {
  const run = spawnSync('hledger', ['-f', file, ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`hledger ${args.join(' ')} failed: ${run.stderr}`);
  return run.stdout;
}

async function journal(args: Record<string, string>): Promise<string> {
  const { bytes } = await exportToBuffer(fx, { format: 'hledger', ...args });
  const file = path.join(dir, `${Object.values(args).join('-')}.journal`);
  fs.writeFileSync(file, bytes);
  return file;
}

const dayAfter = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const dayBefore = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/** hledger's balances aggregated to region:fund line:kind (depth 3), keyed by "region|fundLine|kind", in fen. */
function hledgerBalances(file: string, toAccount: (name: string) => string, ...range: string[]): Map<string, bigint> {
  const csv = hledger(file, 'balance', '--flat', '--depth', '3', '-O', 'csv', ...range);
  const result = new Map<string, bigint>();
  for (const line of csv.trim().split('\n').slice(1)) {
    const [account, amount] = JSON.parse(`[${line}]`) as [string, string];
    if (account === 'total') continue;
    result.set(toAccount(account), yuanToFen(amount.replace(/ ?CNY$/, '')));
  }
  return result;
}

async function fundLines(): Promise<{ code: string; name: string }[]> {
  return (await fx.db.pool.query(`select code, name_zh as name from ledger.fund_line`)).rows;
}

async function expectSameBalances(ours: (region: string, line: string) => Promise<Map<string, bigint>>, theirs: Map<string, bigint>, regions: string[]) {
  let compared = 0;
  for (const region of regions) {
    for (const { code: line } of await fundLines()) {
      const sunshine = await ours(region, line);
      for (const kind of ACCOUNT_KINDS) {
        const k = `${region}|${line}|${kind}`;
        expect([k, theirs.get(k) ?? 0n]).toEqual([k, sunshine.get(kind) ?? 0n]);
        if ((sunshine.get(kind) ?? 0n) !== 0n) compared++;
      }
    }
  }
  return compared;
}

const TOWN_REGIONS = () => [CITY, COUNTY, OTHER_COUNTY, fx.town];
const asOf = async (date: string | null) => async (region: string, line: string) =>
  new Map((await fx.queries.balances(region, line, date, false)).map((b) => [b.accountKind, b.balance]));

withHledger('hledger check passes on the journal (strict: every account and the commodity declared)', async () => {
  const file = await journal({ region: CITY });
  hledger(file, 'check');
  hledger(file, 'check', '--strict');
  const printed = hledger(file, 'print');
  expect(printed).toContain('文号:苏财社〔2026〕1号');
  expect(printed).toMatch(/hash:[0-9a-f]{64}/);
});

withHledger('hledger balance equals balances(...) for every region, fund line and kind, as of several dates (codes accounts)', async () => {
  const file = await journal({ region: CITY, accounts: 'codes' });
  const toAccount = (name: string) => name.split(':').join('|');
  for (const date of ['2026-03-08', '2026-03-20', '2026-04-12', '2026-04-30']) {
    const compared = await expectSameBalances(await asOf(date), hledgerBalances(file, toAccount, '-e', dayAfter(date)), TOWN_REGIONS());
    expect(compared).toBeGreaterThan(3);
  }
});

withHledger('the same with Chinese account names (徐州市 320300000000:尊老金:AVAILABLE), all dates', async () => {
  const file = await journal({ region: CITY });
  const byName = new Map((await fundLines()).map((l) => [l.name, l.code]));
  const toAccount = (name: string) => {
    const [region, line, kind] = name.split(':');
    return [region!.split(' ')[1], byName.get(line!), kind].join('|');
  };
  expect(hledger(file, 'accounts')).toContain('徐州市 320300000000:尊老金:AVAILABLE');
  const compared = await expectSameBalances(await asOf(null), hledgerBalances(file, toAccount), TOWN_REGIONS());
  expect(compared).toBeGreaterThan(8);
});

withHledger('a mid-ledger period export opens with the balances of the day before `from`: hledger gives the closing balances at `to`, and with -b the movement', async () => {
  const [from, to] = ['2026-03-21', '2026-04-15'];
  for (const accounts of ['codes', 'names'] as const) {
    const file = await journal({ region: CITY, from, to, accounts });
    hledger(file, 'check', '--strict'); // the opening balance assertions hold, every account is declared
    const printed = hledger(file, 'print', '-e', from);
    expect(printed.split('\n')[0]).toBe(`${dayBefore(from)} 期初余额 opening balances 徐州市`);
    expect(printed).toMatch(/ = -?[0-9]+\.[0-9]{2} CNY$/m);
    if (accounts === 'names') continue; // (the account names are compared with codes below)
    const toAccount = (n: string) => n.split(':').join('|');
    // the closing balances, as of `to`, equal Sunshine's — the file alone, no date arguments
    const closing = await expectSameBalances(await asOf(to), hledgerBalances(file, toAccount), TOWN_REGIONS());
    expect(closing).toBeGreaterThan(5);
    // the period's movements: balances at `to` minus those of the day before `from`
    const movement = async (region: string, line: string) => {
      const end = await (await asOf(to))(region, line);
      const start = await (await asOf(dayBefore(from)))(region, line);
      return new Map(ACCOUNT_KINDS.map((k) => [k, (end.get(k) ?? 0n) - (start.get(k) ?? 0n)]));
    };
    expect(await expectSameBalances(movement, hledgerBalances(file, toAccount, '-b', from), TOWN_REGIONS())).toBeGreaterThanOrEqual(2);
    // and the opening entry alone is the balances of the day before `from`
    expect(await expectSameBalances(await asOf(dayBefore(from)), hledgerBalances(file, toAccount, '-e', from), TOWN_REGIONS())).toBeGreaterThan(3);
  }
});

withHledger('a wrong opening balance is caught by hledger itself (the assertion), not only by comparing', async () => {
  const file = await journal({ region: CITY, from: '2026-03-21', to: '2026-04-15', accounts: 'codes' });
  const text = fs.readFileSync(file, 'utf8');
  // one opening posting asserts one fen more than it posts
  const tampered = text.replace(/ = (-?[0-9]+\.[0-9]{2}) CNY$/m, (_, amount: string) => ` = ${fenToYuan(yuanToFen(amount) + 1n)} CNY`);
  expect(tampered).not.toBe(text);
  fs.writeFileSync(file, tampered);
  expect(() => hledger(file, 'balance')).toThrow(/balance assertion/i);
});

withHledger('an export without `from` has no opening entry (its first entry is the first transaction)', async () => {
  const file = await journal({ region: CITY, to: '2026-04-15', accounts: 'codes' });
  expect(fs.readFileSync(file, 'utf8')).not.toContain('期初余额');
});

withHledger('a county export: its own accounts balance as in Sunshine (the city side of its allocations comes along)', async () => {
  const file = await journal({ region: COUNTY, accounts: 'codes' });
  const theirs = hledgerBalances(file, (n) => n.split(':').join('|'));
  await expectSameBalances(await asOf(null), theirs, [COUNTY, fx.town]);
  expect([...theirs.keys()].some((k) => k.startsWith(OTHER_COUNTY))).toBe(false);
});
