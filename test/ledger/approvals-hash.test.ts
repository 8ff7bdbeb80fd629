/**
 * Proposer and approver are inside the hash: an approved transaction in the chain verifies in the
 * database (verifyLedger) and offline (bundle export → sunshine-verify); the same bundle with
 * approvedBy (or proposedBy) changed in a copy fails at exactly that seq, and so does the row
 * changed in the database with the append-only triggers off. Ordinary transactions keep 'v1'.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inTransaction } from '../../platform/sql.js';
import { Approvals, ApprovalPolicies } from '../../ledger/approvals/index.js';
import { ProofService, writeBundle as exportBundle } from '../../ledger/proof/index.js';
import { runVerifier, testKeys, verifierModule } from '../proof/support.js';
import { readBundle, writeBundle } from '../proof/bundle-forge.js';
import { createLedgerFixture, disbursement, fundCounty, CITY, type LedgerFixture } from './support.js';
import { cityAdmin, officer } from './approvals-support.js';

let fx: LedgerFixture;
let proofs: ProofService;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sunshine-approvals-'));
const keysFile = path.join(dir, 'keys.txt');
const bundle = path.join(dir, 'city.jsonl'); // format v2 (the default): transactions as tab-separated lines
const bundleV1 = path.join(dir, 'city-v1.jsonl');
let approvedSeq: string;
let approvedId: string;

beforeAll(async () => {
  fx = await createLedgerFixture();
  const tk = testKeys();
  proofs = new ProofService(fx.db.pool, tk.keys);
  fs.writeFileSync(keysFile, tk.keys.signer.vkey + '\n');
  const approvals = new Approvals(fx.db.pool, fx.ledger);
  await new ApprovalPolicies(fx.db.pool).change(cityAdmin(), { fundLine: 'SENIOR_ALLOWANCE', operation: 'DISBURSEMENT', minAmount: '5000', reason: 'test' });
  await fundCounty(fx, 100_000n);
  await approvals.disburse(disbursement(fx, { amount: 100n, memo: `O'Brien \\ 三月` }), 'clerk');
  const { proposal } = await approvals.disburse(disbursement(fx, { amount: 6_000n, memo: 'needs approval' }), "o'neil");
  const { transactions } = await approvals.approve(officer('王\\审批'), proposal!.id);
  approvedSeq = transactions[0]!.seq;
  approvedId = transactions[0]!.id;
  await approvals.disburse(disbursement(fx, { amount: 200n }), 'clerk'); // one after it: its link depends on the approved hash
  await proofs.step();
  for (const [file, format] of [[bundle, 'v2'], [bundleV1, 'v1']] as const) {
    const out = fs.createWriteStream(file);
    await exportBundle(fx.db.pool, proofs, { region: CITY, from: null, to: null, format, actor: { subject: 'auditor', roles: ['AUDITOR'], tokenId: null } }, (text) => void out.write(text));
    await new Promise((resolve) => out.end(resolve));
  }
});
afterAll(async () => {
  await fx.db.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const verify = (file: string) => runVerifier(['bundle', file, '--key', keysFile]);

test.each([['v2', () => bundle], ['v1', () => bundleV1]])('the approved transaction carries both people in the bundle (%s), and the chain verifies in the database and offline', async (_, file) => {
  expect(await fx.queries.verify(null, null)).toMatchObject({ ok: true, firstBrokenSeq: null });
  const transactions = (await readBundle(file())).filter((r) => r.type === 'transaction');
  const approved = transactions.find((t) => t.seq === approvedSeq)!;
  expect(approved).toMatchObject({ proposedBy: "o'neil", approvedBy: '王\\审批', proposalId: expect.stringMatching(/^[0-9]+$/) });
  expect(transactions.filter((t) => (t.proposalId ?? null) === null).length).toBe(transactions.length - 1); // (absent in v1, \N in v2)
  const { canonicalContent, transactionHash } = await verifierModule('canonical.js');
  expect(canonicalContent(approved)).toMatch(/^v2,/);
  expect(transactions.filter((t) => t.seq !== approvedSeq).every((t) => canonicalContent(t).startsWith('v1,'))).toBe(true);
  // The JavaScript encoding is the database's, byte for byte.
  for (const t of transactions) expect(transactionHash(t)).toBe(t.hash);
  const result = await verify(file());
  expect(result.stdout).not.toMatch(/FAIL/);
  expect(result.code).toBe(0);
});

test.each([['approvedBy', 'someone else'], ['proposedBy', 'someone else'], ['approvedBy', undefined]])(
  'a copy of the bundle with %s changed fails at exactly that seq',
  async (field, value) => {
    const records = (await readBundle(bundle)).map((r) => (r.type === 'transaction' && r.seq === approvedSeq ? { ...r, [field]: value } : r));
    const copy = path.join(dir, `tampered-${field}-${value ?? 'none'}.jsonl`);
    writeBundle(copy, records);
    const result = await verify(copy);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^FAIL seq ${approvedSeq} chain\\.hash: [^\\n]*\\nFAILED: 1 failure`, 'm'));
  },
);

test('approved_by changed in the database (triggers off) is reported by verifyLedger at that seq', async () => {
  const tamper = (sql: string) => inTransaction(fx.db.pool, (c) => c.query(sql, [approvedId]), 'set local session_replication_role = replica');
  await tamper(`update ledger.transaction set approved_by = 'mallory' where id = $1`);
  try {
    expect(await fx.queries.verify(null, null)).toMatchObject({ ok: false, firstBrokenSeq: approvedSeq });
  } finally {
    await tamper(`update ledger.transaction set approved_by = '王\\审批' where id = $1`);
  }
  expect(await fx.queries.verify(null, null)).toMatchObject({ ok: true });
});
