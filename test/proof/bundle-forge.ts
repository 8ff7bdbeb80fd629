/**
 * What an attacker with database access — and, worse, the log's signing key — would do to a bundle:
 * rewrite transactions, recompute every hash after them, drop the newest ones, rebuild the leaves,
 * the statements and a freshly signed checkpoint. The verifier must still catch it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { checkpointText, signNote, type Signer } from '../../ledger/proof/note.js';
import { verifierModule } from './support.js';
import { BUNDLE_FORMATS } from '../../ledger/proof/index.js';
import { transactionLine, type LineRecord } from '../../ledger/proof/bundle-line.js';

export type BundleRecord = Record<string, any> & { type: string };

/** The records of a bundle, v1 or v2 (a v2 transaction line becomes the same record, nulls included, `compact: true`). */
export async function readBundle(file: string): Promise<BundleRecord[]> {
  const { parseTransactionLine } = await verifierModule('tx-line.js');
  return fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => (line.startsWith('T\t') ? parseTransactionLine(line) : JSON.parse(line)));
}

/** One line of a bundle as the exporter writes it: compact transaction lines in a v2 bundle. */
export function bundleLine(record: BundleRecord, records: readonly BundleRecord[]): string {
  const v2 = records.find((r) => r.type === 'header')?.format === BUNDLE_FORMATS.v2;
  if (v2 && record.type === 'transaction') return transactionLine(record as BundleRecord & LineRecord);
  const { compact: _, ...rest } = record;
  return JSON.stringify(rest) + '\n';
}

/** Writes records with a correct end line (so only the deeper checks can catch the forgery). */
export function writeBundle(file: string, records: BundleRecord[]): void {
  const body = records.filter((r) => r.type !== 'end').map((r) => bundleLine(r, records));
  const sha256 = createHash('sha256').update(body.join('')).digest('hex');
  fs.writeFileSync(file, body.join('') + JSON.stringify({ type: 'end', lines: body.length, sha256 }) + '\n');
}

const byType = (records: BundleRecord[], type: string) => records.filter((r) => r.type === type);

/**
 * A full rewrite of a whole-city bundle: keeps transactions with seq ≤ keep, applies `edit`,
 * recomputes every chain hash, the leaves, the balances and trial balance, and signs a new
 * checkpoint with `signer`. Earlier checkpoints (which would betray it) are left out.
 */
export async function forge(records: BundleRecord[], signer: Signer, options: { keep?: number; edit?: (t: BundleRecord) => void }): Promise<BundleRecord[]> {
  const { transactionHash } = await verifierModule('canonical.js');
  const { TreeBuilder } = await verifierModule('merkle.js');
  const header = { ...byType(records, 'header')[0]! };
  const transactions = byType(records, 'transaction').map((t) => structuredClone(t)).filter((t) => Number(t.seq) <= (options.keep ?? Infinity));
  expect(transactions.length).toBe(Math.min(options.keep ?? Infinity, header.treeSize)); // a whole-city bundle holds every transaction
  let prev = '0'.repeat(64);
  const tree = new TreeBuilder();
  for (const t of transactions) {
    options.edit?.(t);
    t.prevHash = prev;
    t.hash = transactionHash(t);
    prev = t.hash;
    tree.push(Buffer.from(t.hash, 'hex'));
  }
  header.treeSize = transactions.length;
  const note = signNote(checkpointText(header.origin, transactions.length, tree.root()), signer);
  const leaves = Buffer.concat(transactions.map((t) => Buffer.from(t.hash, 'hex')));
  const accounts = new Map(byType(records, 'account').map((a) => [a.id, a]));
  const balances = new Map<string, bigint>();
  const trial = new Map<string, { opening: bigint; debits: bigint; credits: bigint }>();
  for (const t of transactions) {
    for (const p of t.postings) {
      const a = accounts.get(p.accountId)!;
      if (header.to && p.effectiveDate > header.to) continue;
      const amount = BigInt(p.amount);
      balances.set(`${p.accountId}|${p.lotId}`, (balances.get(`${p.accountId}|${p.lotId}`) ?? 0n) + amount);
      const key = `${a.regionCode}|${a.fundLine}|${a.kind}`;
      const line = trial.get(key) ?? { opening: 0n, debits: 0n, credits: 0n };
      if (header.from && p.effectiveDate < header.from) line.opening += amount;
      else if (amount > 0n) line.debits += amount;
      else line.credits -= amount;
      trial.set(key, line);
    }
  }
  return [
    header,
    { type: 'checkpoint', note },
    { type: 'leaves', start: 0, hashes: leaves.toString('base64') },
    ...byType(records, 'account'),
    ...byType(records, 'lot'),
    ...transactions,
    ...[...balances].filter(([, b]) => b !== 0n).map(([key, b]) => ({ type: 'balance', accountId: key.split('|')[0], lotId: key.split('|')[1], balance: String(b) })),
    ...[...trial].map(([key, l]) => {
      const [regionCode, fundLine, accountKind] = key.split('|');
      return { type: 'trial', regionCode, fundLine, accountKind, opening: String(l.opening), debits: String(l.debits), credits: String(l.credits), closing: String(l.opening + l.debits - l.credits) };
    }),
  ];
}
