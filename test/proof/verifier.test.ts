/**
 * The offline verifier (verifier/, run as a child process: plain Node, no database, no network) on
 * bundles exported from a real ledger: whole city and one county, by the CLI function and by the
 * authenticated download; and adversarially — one tampered row, a recomputed hash, tampered
 * statements, a truncated tail and a rewritten history re-signed with the log's own key, a wrong
 * key, a missing witness quorum, and a row changed in the database itself.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { inTransaction } from '../../platform/sql.js';
import { BUNDLE_FORMATS, ProofService, writeBundle as exportBundle, type BundleFormat } from '../../ledger/proof/index.js';
import { signerFromSeed } from '../../ledger/proof/note.js';
import { CITY, COUNTY, OTHER_COUNTY, createLedgerFixture, disbursement, key, type LedgerFixture } from '../ledger/support.js';
import { authHeader, startTestApi, type TestApi } from '../support/api.js';
import { runVerifier, testKeys, verifierModule, type TestKeys } from './support.js';
import { bundleLine, forge, readBundle, writeBundle, type BundleRecord } from './bundle-forge.js';

let fx: LedgerFixture;
let api: TestApi;
let proofs: ProofService;
let tk: TestKeys;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sunshine-bundle-'));
const keysFile = path.join(dir, 'keys.txt');
const savedFile = path.join(dir, 'saved-checkpoint.txt');
let cityBundle: string;
let cityRecords: BundleRecord[];
let otherVillage: string;

const actor = { subject: 'auditor@test', roles: ['AUDITOR'], tokenId: null };

async function fund(county: string, amount: bigint): Promise<string> {
  const app = await fx.ledger.appropriate({ idempotencyKey: key('app'), effectiveDate: '2026-03-01', regionCode: CITY, fundLine: 'SENIOR_ALLOWANCE', amount, fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕1号' }, 'finance');
  const alloc = await fx.ledger.allocate({ idempotencyKey: key('alloc'), effectiveDate: '2026-03-02', fromRegionCode: CITY, toRegionCode: county, fundLine: 'SENIOR_ALLOWANCE', amount, documentNo: '徐财社〔2026〕7号', lotId: app.transaction.postings[0]!.lotId }, 'finance');
  await fx.ledger.receiveAllocation({ idempotencyKey: key('recv'), effectiveDate: '2026-03-05', allocationId: alloc.transaction.id }, 'finance');
  return alloc.transaction.postings.find((p) => p.accountKind === 'IN_TRANSIT_DOWN')!.lotId;
}

async function exportTo(file: string, region: string, from: string | null = null, to: string | null = null, format?: BundleFormat): Promise<void> {
  const out = fs.createWriteStream(file);
  await exportBundle(fx.db.pool, proofs, { region, from, to, actor, format }, (text) => void out.write(text));
  await new Promise((resolve) => out.end(resolve));
}

const verify = (file: string, ...extra: string[]) => runVerifier(['bundle', file, '--key', keysFile, ...extra]);

function withTriggersOff(fn: (client: pg.PoolClient) => Promise<unknown>): Promise<unknown> {
  return inTransaction(fx.db.pool, fn, 'set local session_replication_role = replica');
}

beforeAll(async () => {
  tk = testKeys();
  fx = await createLedgerFixture();
  proofs = new ProofService(fx.db.pool, tk.keys);
  api = await startTestApi(fx.db, { proofs });
  fs.writeFileSync(keysFile, tk.keys.signer.vkey + '\n');
  otherVillage = (await fx.db.pool.query(`select code from region where level = 'VILLAGE' and code like '320322%' order by code limit 1`)).rows[0].code;
  const lotA = await fund(COUNTY, 5_000_000n);
  const lotB = await fund(OTHER_COUNTY, 3_000_000n);
  const paid: string[] = [];
  for (let i = 0; i < 6; i++) {
    // memos with quotes, backslashes and Chinese text exercise the canonical encoding (E'' literals)
    const memo = [null, `O'Brien`, 'a\\b', '三月 尊老金', `'\\'`, ''][i];
    const r = await fx.ledger.disburse(disbursement(fx, { amount: 10_000n + BigInt(i), lotId: lotA, payeeId: `elder-${i}`, effectiveDate: i < 3 ? '2026-03-10' : '2026-04-10', serviceMonth: i < 3 ? '2026-03' : '2026-04', memo }), 'clerk');
    paid.push(r.transaction.id);
  }
  for (let i = 0; i < 3; i++) {
    await fx.ledger.disburse(disbursement(fx, { regionCode: OTHER_COUNTY, villageCode: otherVillage, amount: 20_000n, lotId: lotB, payeeId: `elder-b${i}` }), 'clerk');
  }
  await fx.ledger.returnFunds({ idempotencyKey: key('ret'), effectiveDate: '2026-04-20', lotId: lotA, amount: 1_000n }, 'finance');
  await fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-04-21', transactionId: paid[1]!, reason: '重复发放' }, 'finance');
  await proofs.step();
  fs.writeFileSync(savedFile, (await proofs.latest())!.note); // what an auditor saved last month
  for (let i = 0; i < 3; i++) await fx.ledger.disburse(disbursement(fx, { amount: 500n, lotId: lotA, payeeId: `elder-late-${i}`, effectiveDate: '2026-05-02', serviceMonth: '2026-05' }), 'clerk');
  await proofs.step();
  cityBundle = path.join(dir, 'city.jsonl');
  await exportTo(cityBundle, CITY);
  cityRecords = await readBundle(cityBundle);
});

afterAll(async () => {
  await api?.close();
  await fx?.db.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a whole-city bundle verifies: chain, tree root, signed checkpoint, earlier checkpoints, the saved one, entries and statements', async () => {
  const result = await verify(cityBundle, '--saved', savedFile);
  expect(result.stderr).toBe('');
  expect(result.stdout).toMatch(/^OK: 20 transactions, tree size 20, root /m);
  expect(result.code).toBe(0);
  expect((await verify(cityBundle, '--saved', savedFile, '--threads', '3')).stdout).toMatch(/^OK: 20 transactions, tree size 20, root /m);
  const json = JSON.parse((await verify(cityBundle, '--json')).stdout);
  expect(json).toMatchObject({ ok: true, count: 0, stats: { transactions: 20, treeSize: 20 } });
  expect(cityRecords.filter((r) => r.type === 'earlierCheckpoint').length).toBeGreaterThan(0);
});

test('bundles are v2 by default (compact transaction lines); a v1 bundle of the same ledger still verifies, with the same findings', async () => {
  const lines = fs.readFileSync(cityBundle, 'utf8').trimEnd().split('\n');
  expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'header', format: BUNDLE_FORMATS.v2 });
  const compact = lines.filter((line) => line.startsWith('T\t'));
  expect(compact.length).toBe(20);
  expect(lines.some((line) => line.startsWith('{"type":"transaction"'))).toBe(false);
  const v1 = path.join(dir, 'city-v1.jsonl');
  await exportTo(v1, CITY, null, null, 'v1');
  const v1Records = await readBundle(v1);
  expect(v1Records[0]).toMatchObject({ format: BUNDLE_FORMATS.v1 });
  // the same transactions, field for field (v1 leaves null fields out, v2 writes \N)
  const strip = (r: BundleRecord) => Object.fromEntries(Object.entries(r).filter(([k, v]) => v !== null && k !== 'compact'));
  expect(v1Records.filter((r) => r.type === 'transaction').map(strip)).toEqual(cityRecords.filter((r) => r.type === 'transaction').map(strip));
  const [a, b] = await Promise.all([verify(cityBundle, '--saved', savedFile), verify(v1, '--saved', savedFile)]);
  expect(b.code).toBe(0);
  expect(b.stdout.replace(/\(.*\)\n$/, '')).toBe(a.stdout.replace(/\(.*\)\n$/, ''));
});

test('a malformed v2 line, and a transaction line of the other format, are named by line', async () => {
  const lineOf = (seq: number) => cityRecords.indexOf(cityRecords.find((r) => r.type === 'transaction' && Number(r.seq) === seq)!) + 1;
  for (const threads of ['0', '1', '3']) {
    const short = tampered(`short-${threads}`, () => {});
    const text = fs.readFileSync(short, 'utf8').split('\n');
    text[lineOf(4) - 1] = text[lineOf(4) - 1]!.split('\t').slice(0, -1).join('\t'); // one field missing
    fs.writeFileSync(short, text.join('\n'));
    expect((await verify(short, '--threads', threads)).stdout).toMatch(new RegExp(`^FAIL line ${lineOf(4)} bundle\\.format: expected a transaction line; found \\d+ fields`, 'm'));
    text[lineOf(4) - 1] = bundleLine({ ...txOf(cityRecords, 4), memo: 'bad \\x escape' }, cityRecords).trimEnd().replace('\\\\x', '\\x');
    fs.writeFileSync(short, text.join('\n'));
    expect((await verify(short, '--threads', threads)).stdout).toMatch(new RegExp(`^FAIL line ${lineOf(4)} bundle\\.format: expected a transaction line; found an unknown escape`, 'm'));
  }
  // the lines after a malformed one are still checked, with every --threads: a rewritten row after it is named
  const both = tampered('malformed-and-rewritten', (r) => {
    txOf(r, 10).memo = 'rewritten';
  });
  const bothText = fs.readFileSync(both, 'utf8').split('\n');
  bothText[lineOf(4) - 1] = bothText[lineOf(4) - 1]!.split('\t').slice(0, -1).join('\t');
  fs.writeFileSync(both, bothText.join('\n'));
  const outputs = await Promise.all(['0', '1', '3'].map(async (threads) => (await verify(both, '--threads', threads)).stdout.replace(/\(.*\)\n$/, '')));
  expect(outputs[0]).toMatch(new RegExp(`^FAIL line ${lineOf(4)} bundle\\.format: [^\n]*\n(FAIL seq [0-9] [^\n]*\n)*FAIL seq 10 chain\\.hash: `, 'm'));
  expect(outputs[1]).toBe(outputs[0]);
  expect(outputs[2]).toBe(outputs[0]);
  // a JSON transaction record inside a v2 bundle (and so the other way round) is not mixed in silently
  const mixed = tampered('mixed', () => {});
  const text = fs.readFileSync(mixed, 'utf8').split('\n');
  const { compact: _, ...record } = txOf(cityRecords, 6);
  text[lineOf(6) - 1] = JSON.stringify(record);
  fs.writeFileSync(mixed, text.join('\n'));
  expect((await verify(mixed)).stdout).toMatch(/^FAIL seq 6 bundle\.format: expected a v2 transaction line \(sunshine-ledger-bundle\/v2\); found a JSON transaction record/m);
});

test('a county bundle holds its own transactions in full, all leaf hashes, and verifies with period statements', async () => {
  const file = path.join(dir, 'county.jsonl');
  await exportTo(file, COUNTY, '2026-04-01', '2026-04-30');
  const records = await readBundle(file);
  const transactions = records.filter((r) => r.type === 'transaction');
  // the city's appropriations of both counties' money are in (they touch the city's accounts only: not in 丰县's bundle)
  expect(transactions.every((t) => t.regionCode.startsWith('320321') || t.counterpartRegionCode?.startsWith('320321'))).toBe(true);
  expect(transactions.some((t) => t.regionCode.startsWith('320322'))).toBe(false);
  expect(Buffer.from(records.filter((r) => r.type === 'leaves').map((r) => r.hashes).join(''), 'base64').length).toBe(20 * 32);
  const trial = records.filter((r) => r.type === 'trial');
  expect(trial.length).toBeGreaterThan(0);
  expect(trial.every((r) => r.regionCode.startsWith('320321'))).toBe(true);
  const result = await verify(file, '--saved', savedFile);
  expect(result.stdout).toMatch(/^OK: 13 transactions, tree size 20/m);
  expect(result.code).toBe(0);
});

test('the authenticated download: in scope for AUDITOR, refused out of scope, without the permission or a token; access-logged', async () => {
  const before = (await fx.db.pool.query(`select count(*)::int as n from registry.access_log where entity_type = 'LedgerBundle'`)).rows[0].n;
  const url = (region: string) => new URL(`/ledger/export?region=${region}&from=2026-03-01&to=2026-04-30`, api.url);
  const ok = await fetch(url('320321'), { headers: await authHeader('AUDITOR', COUNTY) });
  expect(ok.status).toBe(200);
  expect(ok.headers.get('content-type')).toMatch(/^text\/plain/); // v2: JSON lines and tab-separated transaction lines
  const file = path.join(dir, 'download.jsonl');
  fs.writeFileSync(file, Buffer.from(await ok.arrayBuffer()));
  const downloaded = await verify(file);
  expect(downloaded.stdout).toMatch(/^OK: 13 transactions/m);
  const v1 = await fetch(new URL(`${url('320321')}&format=v1`), { headers: await authHeader('AUDITOR', COUNTY) });
  expect(v1.headers.get('content-type')).toMatch(/application\/x-ndjson/);
  const v1File = path.join(dir, 'download-v1.jsonl');
  fs.writeFileSync(v1File, Buffer.from(await v1.arrayBuffer()));
  expect(fs.readFileSync(v1File, 'utf8').split('\n').filter(Boolean).every((line) => line.startsWith('{'))).toBe(true);
  expect((await verify(v1File)).stdout).toMatch(/^OK: 13 transactions/m);
  const badFormat = await fetch(new URL(`${url('320321')}&format=v3`), { headers: await authHeader('AUDITOR', COUNTY) });
  expect(badFormat.status).toBe(400);
  expect((await badFormat.json()).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'format' });
  const out = await fetch(url('320322'), { headers: await authHeader('AUDITOR', COUNTY) });
  expect(out.status).toBe(403);
  expect((await out.json()).errors[0].extensions.code).toBe('FORBIDDEN');
  expect((await fetch(url('320321'), { headers: await authHeader('FINANCE_OFFICER', COUNTY) })).status).toBe(403);
  expect((await fetch(url('320321'))).status).toBe(401);
  const bad = await fetch(new URL('/ledger/export?region=320321&from=2026-02-30', api.url), { headers: await authHeader('AUDITOR', COUNTY) });
  expect(bad.status).toBe(400);
  expect((await bad.json()).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'from' });
  // a parameter given twice is refused, not dropped (a dropped `from` would widen the period)
  const twice = await fetch(new URL('/ledger/export?region=320321&from=2026-03-01&from=2026-04-01', api.url), { headers: await authHeader('AUDITOR', COUNTY) });
  expect([twice.status, (await twice.json()).errors[0].extensions]).toEqual([400, { code: 'BAD_USER_INPUT', field: 'from' }]);
  const logged = await fx.db.pool.query(`select subject, region_code, entity_id::int, reason from registry.access_log where entity_type = 'LedgerBundle' order by id`);
  expect(logged.rows.length).toBe(before + 2); // the v2 and the v1 download (the refused ones wrote nothing)
  expect(logged.rows.at(-1)).toMatchObject({ subject: 'auditor@320321000000', region_code: '320321000000', entity_id: 20 });
});

function tampered(name: string, change: (records: BundleRecord[]) => void, keepEnd = false): string {
  const records = structuredClone(cityRecords);
  change(records);
  const file = path.join(dir, `${name}.jsonl`);
  if (keepEnd) fs.writeFileSync(file, records.map((r) => bundleLine(r, records)).join(''));
  else writeBundle(file, records);
  return file;
}
const txOf = (records: BundleRecord[], seq: number) => records.find((r) => r.type === 'transaction' && Number(r.seq) === seq)!;

test('a JSON transaction record that claims to be a v2 line is read as what it is, with every --threads: its forged fields are caught', async () => {
  // The attack: edit hash-covered fields of a v2 line, keep its hash, write it back as JSON with
  // `"compact": true` (what the parsed line says of itself), and recompute the end line.
  const lines = fs.readFileSync(cityBundle, 'utf8').trimEnd().split('\n').slice(0, -1);
  const at = lines.findLastIndex((line) => line.startsWith('T\t'));
  const { parseTransactionLine } = await verifierModule('tx-line.js');
  const t = parseTransactionLine(lines[at]!);
  expect(t.compact).toBe(true);
  Object.assign(t, { payeeId: 'someone-else', memo: 'paid to someone else', actor: 'nobody' });
  lines[at] = JSON.stringify(t);
  const file = path.join(dir, 'claims-compact.jsonl');
  const body = lines.map((line) => line + '\n').join('');
  fs.writeFileSync(file, body + JSON.stringify({ type: 'end', lines: lines.length, sha256: createHash('sha256').update(body).digest('hex') }) + '\n');
  for (const threads of ['0', '1', '3']) {
    const result = await verify(file, '--threads', threads);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^FAIL seq ${t.seq} bundle\\.format: expected a v2 transaction line`, 'm'));
    expect(result.stdout).toMatch(new RegExp(`^FAIL seq ${t.seq} chain\\.hash: `, 'm'));
  }
});

test('a bundle without its header first, with two headers, or with a line that is JSON but no object, is refused as malformed (never a crash)', async () => {
  const lines = fs.readFileSync(cityBundle, 'utf8').trimEnd().split('\n').slice(0, -1);
  const write = (name: string, body: string[]) => {
    const file = path.join(dir, `${name}.jsonl`);
    const text = body.map((line) => line + '\n').join('');
    fs.writeFileSync(file, text + JSON.stringify({ type: 'end', lines: body.length, sha256: createHash('sha256').update(text).digest('hex') }) + '\n');
    return file;
  };
  for (const threads of ['0', '3']) {
    const headless = await verify(write('headless', lines.slice(1)), '--threads', threads);
    expect(headless.code).toBe(1);
    expect(headless.stdout).toMatch(/^FAIL line 1 bundle\.format: expected the header line first; found checkpoint$/m);
    expect(headless.stdout).toMatch(/^FAIL bundle\.format: expected a header line; found none$/m);
    const twice = await verify(write('two-headers', [lines[0]!, ...lines]), '--threads', threads);
    expect(twice.code).toBe(1);
    expect(twice.stdout).toMatch(/^FAIL line 2 bundle\.format: expected one header line; found a second one$/m);
    for (const value of ['null', '[]', '5', '"text"']) {
      const odd = await verify(write('not-an-object', [...lines.slice(0, 3), value, ...lines.slice(3)]), '--threads', threads);
      expect(odd.code).toBe(1);
      expect(odd.stdout).toMatch(new RegExp(`^FAIL line 4 bundle\\.format: expected a JSON object; found ${value.replace(/[[\]"]/g, '\\$&')}$`, 'm'));
    }
  }
});

test('one tampered row is named by seq and check', async () => {
  const file = tampered('amount', (r) => {
    const t = txOf(r, 12);
    t.postings[0].amount = String(BigInt(t.postings[0].amount) - 1n);
    t.postings[1].amount = String(BigInt(t.postings[1].amount) + 1n);
  });
  const result = await verify(file);
  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(/^FAIL seq 12 chain\.hash: expected [0-9a-f]{64}; found [0-9a-f]{64}$/m);
  // the statements no longer match either; nothing else is blamed on other seqs
  expect(result.stdout).not.toMatch(/FAIL seq (?!12 )/);
  // the same findings without worker threads (transactions parsed and hashed on the main thread)
  const inline = await verify(file, '--threads', '0');
  expect(inline.stdout.replace(/\(.*\)\n$/, '')).toBe(result.stdout.replace(/\(.*\)\n$/, ''));
  // and with transaction worker threads besides the side thread (the default on a 2-core machine has none)
  const pooled = await verify(file, '--threads', '3');
  expect(pooled.stdout.replace(/\(.*\)\n$/, '')).toBe(result.stdout.replace(/\(.*\)\n$/, ''));
});

test('a changed leaf is reported where the leaves end, before the transactions, with or without worker threads', async () => {
  // The tree is built on a side thread while the transactions are checked; its failures must still
  // come first, as a reader going through the file in order finds them.
  const file = tampered('leaf', (r) => {
    const leaves = r.find((x) => x.type === 'leaves')!;
    const bytes = Buffer.from(leaves.hashes, 'base64');
    bytes.writeUInt8(bytes.readUInt8(8 * 32) ^ 1, 8 * 32); // the leaf of seq 9
    leaves.hashes = bytes.toString('base64');
  });
  const result = await verify(file);
  expect(result.code).toBe(1);
  const failures = result.stdout.split('\n').filter((line) => line.startsWith('FAIL '));
  expect(failures[0]).toMatch(/^FAIL merkle\.root: /);
  const firstSeq = failures.findIndex((line) => line.startsWith('FAIL seq '));
  expect(failures.slice(firstSeq)).toEqual([expect.stringMatching(/^FAIL seq 9 chain\.leaf: /), expect.stringMatching(/^FAIL seq 10 chain\.link: /)]);
  expect(failures.slice(1, firstSeq).every((line) => line.startsWith('FAIL checkpoint.earlier: '))).toBe(true);
  for (const threads of ['0', '1', '3']) {
    const other = await verify(file, '--threads', threads);
    expect(other.stdout.replace(/\(.*\)\n$/, '')).toBe(result.stdout.replace(/\(.*\)\n$/, ''));
  }
});

test('a rewritten row with its hash recomputed no longer matches its leaf in the signed tree', async () => {
  const { transactionHash } = await import(path.resolve('verifier/lib/canonical.js'));
  const file = tampered('rehashed', (r) => {
    const t = txOf(r, 8);
    t.memo = 'paid twice';
    t.hash = transactionHash(t);
  });
  const result = await verify(file);
  expect(result.code).toBe(1);
  // (links are checked against the signed leaves, so the next transaction's link still holds: one failure, at 8)
  expect(result.stdout).toMatch(/^FAIL seq 8 chain\.leaf: [^\n]*\nFAILED: 1 failure/m);
});

test('account and lot records are checked against the hashed transactions that use them: a payee relabelled, an account passed off as another kind, a lot given another parent or region', async () => {
  const kinds = (file: string, threads: string) => verify(file, '--threads', threads).then((r) => ({ ...r, checks: [...new Set([...r.stdout.matchAll(/^FAIL (?:seq \d+ )?([\w.]+):/gm)].map((m) => m[1]))] }));
  const disbursed = cityRecords.find((r) => r.type === 'transaction' && r.kind === 'DISBURSEMENT' && r.payeeId === 'elder-0')!;
  const payeeAccount = disbursed.postings.find((p: BundleRecord) => !String(p.amount).startsWith('-')).accountId;
  const countyAvailable = disbursed.postings.find((p: BundleRecord) => String(p.amount).startsWith('-')).accountId;
  const allocation = cityRecords.find((r) => r.type === 'transaction' && r.kind === 'ALLOCATION' && r.counterpartRegionCode === COUNTY)!;
  const childLot = allocation.postings.find((p: BundleRecord) => !String(p.amount).startsWith('-')).lotId;
  const accountRecord = (r: BundleRecord[], id: string) => r.find((x) => x.type === 'account' && x.id === id)!;
  const lotRecord = (r: BundleRecord[], id: string) => r.find((x) => x.type === 'lot' && x.id === id)!;

  // The payee of elder-0's account changed in the bundle (the database keeps accounts append-only,
  // but the exporter or anyone holding the file could): its disbursement's hashed payee says otherwise.
  const payee = tampered('payee', (r) => void (accountRecord(r, payeeAccount).payeeId = 'someone-else'));
  for (const threads of ['0', '3']) {
    const result = await kinds(payee, threads);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^FAIL seq ${disbursed.seq} account\\.template: expected account ${payeeAccount} EXPENDITURE ${COUNTY} PERSON elder-0 \\(DISBURSEMENT\\); found EXPENDITURE ${COUNTY} PERSON someone-else$`, 'm'));
    expect(result.checks).toEqual(['account.template']);
  }
  // The county's AVAILABLE account passed off as EXPENDITURE (its spending would no longer count
  // against what it holds): every transaction that uses it names it.
  const kind = tampered('kind', (r) => void (accountRecord(r, countyAvailable).kind = 'EXPENDITURE'));
  const kindResult = await kinds(kind, '0');
  expect(kindResult.code).toBe(1);
  expect(kindResult.stdout).toMatch(new RegExp(`^FAIL seq ${disbursed.seq} account\\.template: expected account ${countyAvailable} AVAILABLE ${COUNTY} \\(DISBURSEMENT\\); found EXPENDITURE ${COUNTY}$`, 'm'));
  const usingIt = cityRecords.filter((r) => r.type === 'transaction' && r.kind !== 'REVERSAL' && r.postings.some((p: BundleRecord) => p.accountId === countyAvailable));
  expect(kindResult.stdout.match(/account\.template/g)!.length).toBe(usingIt.length);
  // The county's lot given no parent (a root lot, as if appropriated there) or another county.
  const parent = tampered('lot-parent', (r) => void (lotRecord(r, childLot).parentLotId = null));
  const parentResult = await kinds(parent, '0');
  expect(parentResult.code).toBe(1);
  expect(parentResult.stdout).toMatch(new RegExp(`^FAIL seq ${allocation.seq} lot\\.template: expected lot ${childLot} at ${COUNTY} with parent \\d+ \\(ALLOCATION\\); found at ${COUNTY} with parent none$`, 'm'));
  expect(parentResult.checks).toContain('lot.conservation');
  const region = tampered('lot-region', (r) => void (lotRecord(r, childLot).regionCode = OTHER_COUNTY));
  const regionResult = await kinds(region, '3');
  expect(regionResult.code).toBe(1);
  expect(regionResult.stdout).toMatch(new RegExp(`^FAIL seq ${allocation.seq} lot\\.template: expected lot ${childLot} at ${COUNTY} with parent \\d+ \\(ALLOCATION\\); found at ${OTHER_COUNTY} with parent \\d+$`, 'm'));
  expect(regionResult.stdout).toMatch(new RegExp(`^FAIL seq ${disbursed.seq} lot\\.template: expected lot ${childLot} of region ${COUNTY} \\(DISBURSEMENT, AVAILABLE\\); found of ${OTHER_COUNTY}$`, 'm'));

  // A lot's funding source and fiscal year are inside its appropriation's request hash, and a
  // child lot keeps its parent's: the city's provincial money passed off as the county's own budget.
  const appropriation = cityRecords.find((r) => r.type === 'transaction' && r.kind === 'APPROPRIATION')!;
  const rootLot = appropriation.postings[0].lotId;
  const source = tampered('lot-source', (r) => void (lotRecord(r, rootLot).fundingSource = 'OWN_BUDGET'));
  const sourceResult = await kinds(source, '3');
  expect(sourceResult.stdout).toMatch(new RegExp(`^FAIL seq ${appropriation.seq} lot\\.template: expected lot ${rootLot} of the fiscal year and funding source inside the request hash of transaction ${appropriation.id}; found 2026, OWN_BUDGET$`, 'm'));
  expect(sourceResult.checks).toEqual(['lot.template']);

  // What the export always holds cannot be left out unnoticed: the allocation a receipt names (here
  // with its lot relabelled as created by the receipt), the transaction a reversal undoes.
  const receipt = cityRecords.find((r) => r.type === 'transaction' && r.kind === 'ALLOCATION_RECEIVED' && r.allocationId === allocation.id)!;
  const noAllocation = tampered('no-allocation', (r) => {
    r.splice(r.indexOf(txOf(r, Number(allocation.seq))), 1);
    lotRecord(r, childLot).createdByTransactionId = receipt.id;
  });
  const noAllocationResult = await kinds(noAllocation, '0');
  expect(noAllocationResult.stdout).toMatch(new RegExp(`^FAIL seq ${receipt.seq} bundle\\.reference: expected allocation ${allocation.id} in the bundle, before its receipt; found none$`, 'm'));
  expect(noAllocationResult.stdout).toMatch(new RegExp(`^FAIL seq ${receipt.seq} lot\\.template: expected lot ${childLot} created by the transaction that created it, not by ${receipt.id} \\(ALLOCATION_RECEIVED creates no lot\\)`, 'm'));
  const reversal = cityRecords.find((r) => r.type === 'transaction' && r.kind === 'REVERSAL')!;
  const noOriginal = tampered('no-original', (r) => void r.splice(r.indexOf(r.find((x) => x.type === 'transaction' && x.id === reversal.reversesId)!), 1));
  expect((await kinds(noOriginal, '3')).stdout).toMatch(new RegExp(`^FAIL seq ${reversal.seq} bundle\\.reference: expected transaction ${reversal.reversesId}, which ${reversal.id} reverses, in the bundle before it; found none$`, 'm'));
});

test('tampered statements, a dropped line, a wrong key and a missing witness quorum are each caught', async () => {
  const balance = tampered('balance', (r) => {
    const b = r.find((x) => x.type === 'balance')!;
    b.balance = String(BigInt(b.balance) + 100n);
  });
  expect((await verify(balance)).stdout).toMatch(/^FAIL balance\.statement: /m);
  const trial = tampered('trial', (r) => {
    const t = r.find((x) => x.type === 'trial')!;
    t.debits = String(BigInt(t.debits) + 1n);
  });
  expect((await verify(trial)).stdout).toMatch(/^FAIL trial\.statement: /m);
  const dropped = tampered('dropped-line', (r) => r.splice(r.indexOf(txOf(r, 5)), 1), true);
  const droppedResult = await verify(dropped);
  expect(droppedResult.code).toBe(1);
  expect(droppedResult.stdout).toMatch(/^FAIL bundle\.format: expected \d+ lines/m);
  expect(droppedResult.stdout).toMatch(/^FAIL seq 6 lot\.origin: /m);
  const other = signerFromSeed(tk.keys.origin, Buffer.alloc(32, 1));
  const wrongKey = await runVerifier(['bundle', cityBundle, '--key', other.vkey]);
  expect(wrongKey.code).toBe(1);
  expect(wrongKey.stdout).toMatch(/^FAIL checkpoint\.signature: expected a checkpoint signed by a log key; found no signature by a known log key/m);
  const quorum = await verify(cityBundle, '--witness-key', tk.witness.vkey, '--quorum', '1');
  expect(quorum.stdout).toMatch(/^FAIL checkpoint\.witnesses: expected at least 1 witness cosignature\(s\); found 0/m);
  expect((await runVerifier(['bundle', path.join(dir, 'missing.jsonl'), '--key', keysFile])).code).toBe(2);
});

test('truncating the tail and re-signing is caught by the checkpoint the auditor saved', async () => {
  const logSigner = signerFromSeed(tk.keys.origin, tk.logSeed);
  const saved = Number(fs.readFileSync(savedFile, 'utf8').split('\n')[1]);
  const file = path.join(dir, 'truncated.jsonl');
  writeBundle(file, await forge(cityRecords, logSigner, { keep: saved - 2 }));
  // On its own the forged bundle is consistent — which is why auditors keep checkpoints (or require witnesses).
  expect((await verify(file)).code).toBe(0);
  const result = await verify(file, '--saved', savedFile);
  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(new RegExp(`^FAIL saved\\.consistency: expected a tree of at least ${saved} transactions .*; found ${saved - 2}: transactions were dropped`, 'm'));
});

test('rewriting old history, recomputing every hash and re-signing with the log key is caught by the saved checkpoint', async () => {
  const logSigner = signerFromSeed(tk.keys.origin, tk.logSeed);
  const file = path.join(dir, 'rewritten.jsonl');
  writeBundle(file, await forge(cityRecords, logSigner, { edit: (t) => { if (Number(t.seq) === 10) t.memo = 'rewritten'; } }));
  expect((await verify(file)).code).toBe(0);
  const result = await verify(file, '--saved', savedFile);
  expect(result.code).toBe(1);
  expect(result.stdout).toMatch(/^FAIL saved\.consistency: expected root .* of the first \d+ transactions; found .*: history was rewritten/m);
  // and by the earlier checkpoints the log signed, when the forger keeps them
  const keptEarlier = await forge(cityRecords, logSigner, { edit: (t) => { if (Number(t.seq) === 10) t.memo = 'rewritten'; } });
  keptEarlier.splice(2, 0, ...cityRecords.filter((r) => r.type === 'earlierCheckpoint'));
  writeBundle(file, keptEarlier);
  expect((await verify(file)).stdout).toMatch(/^FAIL checkpoint\.earlier: .*history was rewritten/m);
});

test('a row changed in the database is caught by verifyLedger and by the verifier, at its seq', async () => {
  await withTriggersOff((c) => c.query(`update ledger.transaction set memo = 'changed' where seq = 7`));
  try {
    const file = path.join(dir, 'db-tampered.jsonl');
    await exportTo(file, CITY);
    const result = await verify(file);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAIL seq 7 chain\.hash: /m);
    expect((await fx.queries.verify(null, null)).firstBrokenSeq).toBe('7');
  } finally {
    await withTriggersOff((c) => c.query(`update ledger.transaction set memo = null where seq = 7`));
  }
});

describe('every row', () => {
  // The verifier's own function, in this process (no worker threads): many bundles, quickly.
  let verifyBundle: (file: string, options: object) => Promise<{ ok: boolean; failures: { check: string; seq?: string }[] }>;
  let logKey: unknown;
  beforeAll(async () => {
    ({ verifyBundle } = await verifierModule('bundle.js'));
    logKey = (await verifierModule('note.js')).parseVerifierKey(tk.keys.signer.vkey);
  });
  const inProcess = (file: string) => verifyBundle(file, { logKeys: [logKey], threads: 0 });

  test('changing any one transaction of a bundle (end line recomputed) is named at its seq; changing any line at all breaks the end line', async () => {
    const transactions = cityRecords.filter((r) => r.type === 'transaction');
    expect(transactions.length).toBe(20);
    for (const t of transactions) {
      const file = tampered(`row-${t.seq}`, (r) => {
        txOf(r, Number(t.seq)).memo = `changed ${t.seq}`;
      });
      const result = await inProcess(file);
      expect(result.ok).toBe(false);
      expect(result.failures).toContainEqual(expect.objectContaining({ check: 'chain.hash', seq: t.seq }));
      expect(result.failures.filter((f) => f.seq && f.seq !== t.seq)).toEqual([]);
    }
    // any record, the original end line kept: its digest no longer matches
    for (let i = 0; i < cityRecords.length - 1; i++) {
      const file = tampered(`line-${i}`, (r) => {
        r[i] = { ...r[i]!, tampered: true };
        if (r[i]!.type === 'transaction') r[i]!.actor = `${r[i]!.actor}!`; // (a v2 line has no room for an extra field)
      }, true);
      const result = await inProcess(file);
      expect([i, result.ok]).toEqual([i, false]);
      expect(result.failures.some((f) => f.check === 'bundle.format' || f.check === 'chain.hash')).toBe(true);
    }
  });

  test('a bundle cut anywhere is refused', async () => {
    const bytes = fs.readFileSync(cityBundle);
    const file = path.join(dir, 'cut.jsonl');
    for (let at = 1; at < bytes.length; at += Math.ceil(bytes.length / 40)) {
      fs.writeFileSync(file, bytes.subarray(0, at));
      const result = await inProcess(file);
      expect([at, result.ok]).toEqual([at, false]);
    }
  });

  test('changing any one transaction or posting in the database is caught by verifyLedger at its seq', async () => {
    const { rows } = await fx.db.pool.query(`select id::text, seq::text, memo from ledger.transaction order by seq`);
    for (const row of rows) {
      await withTriggersOff((c) => c.query(`update ledger.transaction set memo = 'changed' where id = $1`, [row.id]));
      try {
        expect([row.seq, (await fx.queries.verify(null, null)).firstBrokenSeq]).toEqual([row.seq, row.seq]);
      } finally {
        await withTriggersOff((c) => c.query(`update ledger.transaction set memo = $2 where id = $1`, [row.id, row.memo]));
      }
    }
    const postings = await fx.db.pool.query(`select p.id::text, t.seq::text from ledger.posting p join ledger.transaction t on t.id = p.transaction_id order by p.id`);
    for (const p of postings.rows) {
      await withTriggersOff((c) => c.query(`update ledger.posting set amount = amount + 1 where id = $1`, [p.id]));
      try {
        expect([p.id, (await fx.queries.verify(null, null)).firstBrokenSeq]).toEqual([p.id, p.seq]);
      } finally {
        await withTriggersOff((c) => c.query(`update ledger.posting set amount = amount - 1 where id = $1`, [p.id]));
      }
    }
    expect((await fx.queries.verify(null, null)).ok).toBe(true);
  });
});
