/**
 * Signed checkpoints over the real ledger: signed after commits (size 0, 1, powers of two and their
 * neighbours), inclusion and consistency proofs from the API verified with the offline verifier's
 * RFC 9162 code against the signed roots, a tree inconsistent with what was signed is refused (by
 * the signer and by the database), append-only tables, witness cosignatures end to end, and
 * verifyLedger's checkpoint check catching dropped and rewritten transactions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { inTransaction } from '../../platform/sql.js';
import { ProofService, CheckpointRefused, integrate, treeHead } from '../../ledger/proof/index.js';
import { checkpointText, signNote, signerFromSeed } from '../../ledger/proof/note.js';
import { createLedgerFixture, disbursement, fundCounty, COUNTY, type LedgerFixture } from '../ledger/support.js';
import { errorCodes, startTestApi, type TestApi } from '../support/api.js';
import { toGlobalId } from '../../api/relay.js';
import { runVerifier, testKeys, verifierModule, type TestKeys } from './support.js';

let fx: LedgerFixture;
let api: TestApi;
let proofs: ProofService;
let tk: TestKeys;
let merkle: any;
let note: any;
let lot: string;
const txIds = new Map<number, string>(); // seq → transaction id
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sunshine-proof-'));

const CHECKPOINT_SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17];

async function pay(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const paid = await fx.ledger.disburse(disbursement(fx, { amount: 100n + BigInt(i), lotId: lot, payeeId: `elder-${i}` }), 'clerk');
    txIds.set(Number(paid.transaction.seq), paid.transaction.id);
  }
}

async function headSeq(): Promise<number> {
  return Number((await fx.db.pool.query(`select coalesce(max(seq), 0)::int as n from ledger.transaction`)).rows[0].n);
}

function withTriggersOff(fn: (client: pg.PoolClient) => Promise<unknown>): Promise<unknown> {
  return inTransaction(fx.db.pool, fn, 'set local session_replication_role = replica');
}

const checkpointsQuery = `query($first: Int, $after: String) { checkpoints(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } nodes { origin treeSize rootHash keyName keyId signedAt note cosignatures { witness keyId cosignedAt line } } } }`;

beforeAll(async () => {
  merkle = await verifierModule('merkle.js');
  note = await verifierModule('note.js');
  tk = testKeys();
  fx = await createLedgerFixture();
  proofs = new ProofService(fx.db.pool, tk.keys, { idleSeconds: 3600 });
  api = await startTestApi(fx.db, { proofs });
  // An empty ledger gets a checkpoint of size 0 (the empty tree's root).
  const empty = await proofs.step();
  expect(empty).toMatchObject({ size: 0 });
  // fundCounty writes 3 transactions (appropriation, allocation, receipt); disbursements follow one by one.
  lot = await fundCounty(fx, 10_000_000n);
  // The integrator takes one leaf at a time here, so that the tree stops at every size wanted.
  for (const size of CHECKPOINT_SIZES.filter((s) => s > 0)) {
    const missing = size - (await headSeq());
    if (missing > 0) await pay(missing);
    while ((await treeHead(fx.db.pool)).size < size) await integrate(fx.db.pool, 1);
    const signed = await proofs.signIfDue();
    expect(signed?.size).toBe(size);
  }
  const { rows } = await fx.db.pool.query(`select seq::int, id::text from ledger.transaction order by seq`);
  for (const r of rows) txIds.set(r.seq, r.id);
});

afterAll(async () => {
  await api?.close();
  await fx?.db.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function allCheckpoints(): Promise<{ treeSize: number; rootHash: string; note: string }[]> {
  const response = await api.as('AUDITOR', COUNTY).gql(checkpointsQuery, { first: 100 });
  expect(response.errors).toBeUndefined();
  return response.data!.checkpoints.nodes;
}

test('a checkpoint is signed for each size the tree reached, in the C2SP format, verifiable with the published key', async () => {
  const checkpoints = await allCheckpoints();
  expect(checkpoints.map((c) => c.treeSize).sort((a, b) => a - b)).toEqual(CHECKPOINT_SIZES);
  const keysText = await (await fetch(new URL('/checkpoint/keys', api.url))).text();
  const logKeys = keysText.trim().split('\n').map(note.parseVerifierKey).filter((k: any) => k.type === 1);
  expect(logKeys.map((k: any) => k.name)).toEqual(['sunshine.test/ledger']);
  for (const c of checkpoints) {
    const verified = note.verifyCheckpoint(c.note, logKeys);
    expect(Number(verified.size)).toBe(c.treeSize);
    expect(verified.root.toString('base64')).toBe(c.rootHash);
    expect(c.note).toBe(`sunshine.test/ledger\n${c.treeSize}\n${c.rootHash}\n\n— sunshine.test/ledger ${c.note.split(' ').at(-1)}`);
  }
  const empty = checkpoints.find((c) => c.treeSize === 0)!;
  expect(empty.rootHash).toBe(Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex').toString('base64'));
  // GET /checkpoint serves the latest note as text
  const latest = await fetch(new URL('/checkpoint', api.url));
  expect(latest.headers.get('content-type')).toMatch(/^text\/plain/);
  expect(await latest.text()).toBe(checkpoints[0]!.note);
  // A wrong key does not verify it
  const other = signerFromSeed('sunshine.test/ledger', Buffer.alloc(32, 7));
  expect(() => note.verifyCheckpoint(checkpoints[0]!.note, [note.parseVerifierKey(other.vkey)])).toThrow(/no signature by a known log key/);
});

test('the checkpoints connection pages newest first', async () => {
  const first = await api.gql(checkpointsQuery, { first: 5 });
  expect(first.data!.checkpoints.totalCount).toBe(CHECKPOINT_SIZES.length);
  expect(first.data!.checkpoints.nodes.map((c: any) => c.treeSize)).toEqual([17, 16, 15, 9, 8]);
  const next = await api.gql(checkpointsQuery, { first: 5, after: first.data!.checkpoints.pageInfo.endCursor });
  expect(next.data!.checkpoints.nodes.map((c: any) => c.treeSize)).toEqual([7, 5, 4, 3, 2]);
});

test('inclusion proofs of every transaction verify against every signed checkpoint that contains it', async () => {
  const checkpoints = await allCheckpoints();
  const leafOf = new Map<number, Buffer>();
  const { rows } = await fx.db.pool.query(`select seq::int, hash from ledger.transaction order by seq`);
  for (const r of rows) leafOf.set(r.seq, r.hash);
  const fields = checkpoints.filter((c) => c.treeSize > 0).map((c) => `s${c.treeSize}: inclusionProof(treeSize: ${c.treeSize}) { leafIndex treeSize hashes checkpoint { treeSize } }`);
  for (const [seq, id] of txIds) {
    const within = checkpoints.filter((c) => c.treeSize >= seq);
    const query = `query($id: ID!) { node(id: $id) { ... on LedgerTransaction { seq latest: inclusionProof { treeSize hashes } ${fields.filter((_, i) => checkpoints.filter((c) => c.treeSize > 0)[i]!.treeSize >= seq).join(' ')} } } }`;
    const response = await api.gql(query, { id: toGlobalId('LedgerTransaction', id) });
    expect(response.errors).toBeUndefined();
    const node = response.data!.node;
    expect(node.latest.treeSize).toBe(17);
    for (const c of within) {
      const proof = c.treeSize === 17 ? { ...node.latest, leafIndex: seq - 1, checkpoint: { treeSize: 17 } } : node[`s${c.treeSize}`];
      expect(proof.leafIndex).toBe(seq - 1);
      expect(proof.checkpoint.treeSize).toBe(c.treeSize);
      const hashes = proof.hashes.map((h: string) => Buffer.from(h, 'base64'));
      expect(merkle.inclusionFailure(seq - 1, c.treeSize, leafOf.get(seq), hashes, Buffer.from(c.rootHash, 'base64'))).toBeNull();
    }
  }
});

test('consistency proofs between every pair of checkpoints verify against the signed roots', async () => {
  const checkpoints = (await allCheckpoints()).filter((c) => c.treeSize > 0);
  for (const a of checkpoints) {
    for (const b of checkpoints.filter((c) => c.treeSize >= a.treeSize)) {
      const response = await api.gql(`{ consistencyProof(fromSize: ${a.treeSize}, toSize: ${b.treeSize}) { fromSize toSize hashes } }`);
      expect(response.errors).toBeUndefined();
      const hashes = response.data!.consistencyProof.hashes.map((h: string) => Buffer.from(h, 'base64'));
      expect(merkle.consistencyFailure(a.treeSize, b.treeSize, Buffer.from(a.rootHash, 'base64'), Buffer.from(b.rootHash, 'base64'), hashes)).toBeNull();
    }
  }
});

test('proof arguments are checked strictly', async () => {
  for (const [from, to, field] of [[0, 5, 'fromSize'], [6, 5, 'fromSize'], [-1, 5, 'fromSize'], [1, -2, 'toSize']] as const) {
    const response = await api.gql(`{ consistencyProof(fromSize: ${from}, toSize: ${to}) { hashes } }`);
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.extensions!.field).toBe(field);
  }
  expect(errorCodes(await api.gql(`{ consistencyProof(fromSize: 1, toSize: 1000) { hashes } }`))).toEqual(['PROOF_NOT_AVAILABLE']);
  const id = toGlobalId('LedgerTransaction', txIds.get(9)!);
  const tooSmall = await api.gql(`query($id: ID!) { node(id: $id) { ... on LedgerTransaction { inclusionProof(treeSize: 8) { hashes } } } }`, { id });
  expect(errorCodes(tooSmall)).toEqual(['BAD_USER_INPUT']);
  expect(tooSmall.errors![0]!.extensions!.field).toBe('treeSize');
  const tooLarge = await api.gql(`query($id: ID!) { node(id: $id) { ... on LedgerTransaction { inclusionProof(treeSize: 99) { hashes } } } }`, { id });
  expect(errorCodes(tooLarge)).toEqual(['PROOF_NOT_AVAILABLE']);
});

test('idle: no new checkpoint until the idle interval passed, then the same tree head is signed again', async () => {
  expect(await proofs.step()).toBeNull();
  const eager = new ProofService(fx.db.pool, tk.keys, { idleSeconds: 0 });
  const again = await eager.step();
  expect(again).toMatchObject({ size: 17 });
});

test('the checkpoint tables are append-only, also for their owner', async () => {
  for (const sql of [`update ledger.checkpoint set size = size + 1`, `delete from ledger.checkpoint`, `truncate ledger.checkpoint cascade`,
    `update ledger.merkle_node set hash = hash`, `delete from ledger.tree_head`, `delete from ledger.cosignature`, `truncate ledger.merkle_node`]) {
    await expect(fx.db.pool.query(sql)).rejects.toMatchObject({ code: 'SL000' });
  }
});

test('the database refuses a checkpoint that shrinks the tree or gives a signed size another root', async () => {
  const insert = (size: number, root: Buffer) =>
    fx.db.pool.query(`insert into ledger.checkpoint (origin, size, root, key_name, key_id, note) values ('x', $1, $2, 'x', '\\x00000000', 'x')`, [size, root]);
  await expect(insert(16, Buffer.alloc(32))).rejects.toMatchObject({ code: 'SL020' });
  await expect(insert(17, Buffer.alloc(32, 1))).rejects.toMatchObject({ code: 'SL020' });
});

describe('witnesses', () => {
  const stateFile = path.join(tmp, 'witness-state');
  const signerFile = path.join(tmp, 'witness.key');
  const logKeyFile = path.join(tmp, 'log.vkey');
  const cosignMutation = `mutation($note: String!) { cosignCheckpoint(note: $note) { treeSize note cosignatures { witness keyId cosignedAt line } } }`;

  beforeAll(() => {
    // as `keygen --witness > witness.key` writes it: the signer key, then its verifier key
    fs.writeFileSync(signerFile, `${tk.witnessKeyText}\n${tk.witness.vkey}\n`);
    fs.writeFileSync(logKeyFile, tk.keys.signer.vkey + '\n');
  });

  async function witness(checkpointNote: string, proof?: unknown) {
    const checkpointFile = path.join(tmp, 'checkpoint.txt');
    fs.writeFileSync(checkpointFile, checkpointNote);
    const args = ['witness', '--signer', signerFile, '--log-key', logKeyFile, '--state', stateFile, '--checkpoint', checkpointFile];
    if (proof) {
      fs.writeFileSync(path.join(tmp, 'proof.json'), JSON.stringify(proof));
      args.push('--proof', path.join(tmp, 'proof.json'));
    }
    return runVerifier(args);
  }

  test('a witness cosigns, checks consistency with what it cosigned before, and the log serves its cosignature', async () => {
    const first = await (await fetch(new URL('/checkpoint', api.url))).text();
    const cosigned = await witness(first);
    expect(cosigned.stderr).toBe('');
    expect(cosigned.code).toBe(0);
    const stored = await api.as('AUDITOR', COUNTY).gql(cosignMutation, { note: cosigned.stdout });
    expect(stored.errors).toBeUndefined();
    expect(stored.data!.cosignCheckpoint.cosignatures).toHaveLength(1);
    expect(stored.data!.cosignCheckpoint.cosignatures[0]).toMatchObject({ witness: 'audit.test/witness', keyId: tk.witness.id.toString('hex') });
    expect(await (await fetch(new URL('/checkpoint', api.url))).text()).toBe(cosigned.stdout);

    // The ledger grows; the witness needs (and checks) a consistency proof from its last size.
    await pay(3);
    await proofs.step();
    const next = await (await fetch(new URL('/checkpoint', api.url))).text();
    const refusedWithoutProof = await witness(next);
    expect(refusedWithoutProof.code).toBe(2);
    expect(refusedWithoutProof.stderr).toMatch(/consistency proof from 17 to 20 is needed/);
    const proof = (await api.gql(`{ consistencyProof(fromSize: 17, toSize: 20) { fromSize toSize hashes } }`)).data!.consistencyProof;
    const second = await witness(next, proof);
    expect(second.code).toBe(0);
    const verified = note.verifyCheckpoint(second.stdout, [note.parseVerifierKey(tk.keys.signer.vkey)], [note.parseVerifierKey(tk.witness.vkey)]);
    expect(verified.cosignatures).toHaveLength(1);
    expect((await api.as('AUDITOR', COUNTY).gql(cosignMutation, { note: second.stdout })).errors).toBeUndefined();
  });

  test('a witness refuses a checkpoint inconsistent with the one it cosigned (a forked or rewritten log)', async () => {
    const logSigner = signerFromSeed(tk.keys.origin, tk.logSeed);
    const forged = signNote(checkpointText(tk.keys.origin, 21, Buffer.alloc(32, 9)), logSigner);
    const proof = (await api.gql(`{ consistencyProof(fromSize: 20, toSize: 20) { fromSize toSize hashes } }`)).data!.consistencyProof;
    const refused = await witness(forged, { ...proof, toSize: 21, hashes: [Buffer.alloc(32).toString('base64')] });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not consistent with the checkpoint this witness cosigned/);
    const sameSizeOtherRoot = signNote(checkpointText(tk.keys.origin, 20, Buffer.alloc(32, 9)), logSigner);
    expect((await witness(sameSizeOtherRoot)).stderr).toMatch(/two different roots for size 20/);
  });

  test('cosignatures are verified: a forged one, an unknown witness and a foreign checkpoint are refused; only with ledger:cosign', async () => {
    const latest = await (await fetch(new URL('/checkpoint', api.url))).text();
    const lines = latest.trimEnd().split('\n');
    const witnessLine = lines.at(-1)!;
    const blob = Buffer.from(witnessLine.split(' ').at(-1)!, 'base64');
    blob[blob.length - 1] = blob[blob.length - 1]! ^ 1;
    const forged = [...lines.slice(0, -1), `${witnessLine.split(' ').slice(0, -1).join(' ')} ${blob.toString('base64')}`].join('\n') + '\n';
    expect(errorCodes(await api.as('AUDITOR', COUNTY).gql(cosignMutation, { note: forged }))).toEqual(['COSIGNATURE_INVALID']);
    const unknown = note.signerFromSeed('someone.else/witness', Buffer.alloc(32, 3), 0x04);
    const text = lines.slice(0, 3).join('\n') + '\n';
    const byUnknown = `${lines.slice(0, 4).join('\n')}\n${lines[4]}\n${note.signatureLine(unknown, text, 1_700_000_000)}\n`;
    expect(errorCodes(await api.as('AUDITOR', COUNTY).gql(cosignMutation, { note: byUnknown }))).toEqual(['COSIGNATURE_INVALID']);
    const foreignText = checkpointText(tk.keys.origin, 20, Buffer.alloc(32, 5));
    const foreign = `${foreignText}\n${note.signatureLine(note.parseSignerKey(tk.witnessKeyText), foreignText, 1_700_000_000)}\n`;
    expect(errorCodes(await api.as('AUDITOR', COUNTY).gql(cosignMutation, { note: foreign }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await api.as('AUDITOR', COUNTY).gql(cosignMutation, { note: 'not a note' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await api.as('FINANCE_OFFICER', COUNTY).gql(cosignMutation, { note: latest }))).toEqual(['FORBIDDEN']);
  });
});

describe('tampering with the stored tree or the ledger', () => {
  test('verifyLedger holds the ledger against the latest checkpoint', async () => {
    const response = await api.gql(`{ verifyLedger { ok checkpoint { ok treeSize problem } } }`);
    expect(response.data!.verifyLedger).toEqual({ ok: true, checkpoint: { ok: true, treeSize: 20, problem: null } });
  });

  test('rewriting an old transaction (its hash recomputed) is caught by verifyLedger against the checkpoint', async () => {
    const { rows } = await fx.db.pool.query(`select hash from ledger.transaction where seq = 5`);
    await withTriggersOff((c) => c.query(`update ledger.transaction set hash = $1 where seq = 5`, [Buffer.alloc(32, 8)]));
    const rewritten = (await api.gql(`{ verifyLedger { ok firstBrokenSeq checkpoint { ok problem } } }`)).data!.verifyLedger;
    expect(rewritten).toMatchObject({ ok: false, firstBrokenSeq: '5', checkpoint: { ok: false } });
    expect(rewritten.checkpoint.problem).toMatch(/history was rewritten/);
    await withTriggersOff((c) => c.query(`update ledger.transaction set hash = $1 where seq = 5`, [rows[0]!.hash]));
    expect((await api.gql(`{ verifyLedger { ok checkpoint { ok } } }`)).data!.verifyLedger).toEqual({ ok: true, checkpoint: { ok: true } });
  });

  test('a changed tree node makes the signer refuse to sign', async () => {
    await pay(1);
    await proofs.step(); // 21, consistent
    const { rows } = await fx.db.pool.query(`select hash from ledger.merkle_node where level = 4 and idx = 0`);
    await withTriggersOff((c) => c.query(`update ledger.merkle_node set hash = $1 where level = 4 and idx = 0`, [Buffer.alloc(32, 4)]));
    await pay(1);
    await expect(proofs.step()).rejects.toBeInstanceOf(CheckpointRefused);
    expect((await proofs.latest())!.size).toBe(21);
    // The tree head of size 22 was computed over the changed node: even with the node put back, the
    // stored tree no longer agrees with itself, and nothing more is signed until an operator repairs it.
    await withTriggersOff((c) => c.query(`update ledger.merkle_node set hash = $1 where level = 4 and idx = 0`, [rows[0]!.hash]));
    await expect(proofs.step()).rejects.toThrow(/does not have the root its head records/);
    expect((await proofs.latest())!.size).toBe(21);
  });

  test('dropping the newest transaction is caught by verifyLedger (the chain alone cannot see it)', async () => {
    await withTriggersOff(async (c) => {
      await c.query(`delete from ledger.posting where transaction_id in (select id from ledger.transaction where seq >= 21)`);
      await c.query(`delete from ledger.transaction where seq >= 21`);
    });
    const dropped = (await api.gql(`{ verifyLedger { ok checkpoint { ok treeSize problem } } }`)).data!.verifyLedger;
    expect(dropped.ok).toBe(true); // the remaining chain is intact
    expect(dropped.checkpoint).toMatchObject({ ok: false, treeSize: 21 });
    expect(dropped.checkpoint.problem).toMatch(/ledger now has 20: transactions were dropped/);
  });
});
