// Verifies a Sunshine ledger bundle (one file of lines, format v1 or v2; docs/proof.md "Bundles") offline.
// Every failure names the check, the seq (when a transaction is concerned), what was expected and
// what was found. The bundle is read as a stream, in one pass, in the order the exporter writes it.
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { TransactionPool } from './tx-pool.js';
import { createSide } from './side.js';
import { transactionHash, ZERO_HASH } from './canonical.js';
import { regionPrefix } from './regions.js';
import { isCompactLine, parseTransactionLine } from './tx-line.js';
import { Journal } from './journal.js';
import { Report } from './report.js';
import { Statements } from './statements.js';
import { TreeState } from './tree-state.js';

/** v1: every record a JSON object; v2: transactions as compact tab-separated lines (tx-line.js). */
export const FORMATS = ['sunshine-ledger-bundle/v1', 'sunshine-ledger-bundle/v2'];
export const FORMAT = FORMATS[1];
const ORDER = ['header', 'checkpoint', 'earlierCheckpoint', 'consistency', 'leaves', 'account', 'lot', 'transaction', 'balance', 'trial', 'end'];
/** The recomputed chain hash, or null when the record's fields cannot be encoded (a posting that is not an object): chain.hash names it. */
function hashOrNull(t) {
  try {
    return transactionHash(t);
  } catch {
    return null;
  }
}

/** A posting's amount as a BigInt, or null when it is not an integer (a malformed or edited file). */
function amountOf(p) {
  if (p === null || typeof p !== 'object') return null;
  if (typeof p.amount === 'bigint') return p.amount;
  try {
    return typeof p.amount === 'string' || typeof p.amount === 'number' ? BigInt(p.amount) : null;
  } catch {
    return null;
  }
}

/**
 * Verifies the bundle at `file` with the log's verifier keys (and optionally witness keys, a quorum
 * of witness cosignatures required on the latest checkpoint, and a checkpoint saved earlier).
 * Returns { ok, failures, count, stats }.
 */
export async function verifyBundle(file, { logKeys, witnessKeys = [], quorum = 0, saved = null, limit = 1000, threads = defaultThreads() }) {
  const report = new Report(limit);
  const pool = threads > 1 ? new TransactionPool(threads - 1) : null;
  // Without transaction workers the side thread recomputes the chain hashes of v2 lines: on two
  // cores that balances the main thread (the in-order checks) and the side thread.
  const hashOnSide = pool === null;
  const side = createSide(threads, { hashLines: hashOnSide, limit });
  const state = new BundleState(report, side, { logKeys, witnessKeys, quorum, saved, hashOnSide });
  try {
    await readLines(file, report, state, pool, side);
    state.finish();
  } finally {
    await Promise.all([pool?.close(), side.close()]);
  }
  return { ok: report.ok, failures: report.failures, count: report.count, stats: report.stats };
}

/**
 * Worker threads besides the main one: the first takes the file digest and the tree (side.js) and,
 * when it is the only one, the chain hashes of v2 transaction lines (line-hashes.js); the others
 * parse and hash transaction lines (tx-pool.js). Handing lines to other threads and their
 * results back costs more CPU than parsing them (measured: 16.5 s of CPU for 1M transactions with
 * 2 such threads, 11.8 s on the main thread alone), so they pay only with cores to spare: one per
 * core, the main thread's included.
 */
const defaultThreads = () => availableParallelism() - 1;

const TRANSACTION_PREFIX = Buffer.from('{"type":"transaction"');
const isTransactionLine = (line) => isCompactLine(line) || (line.length >= TRANSACTION_PREFIX.length && TRANSACTION_PREFIX.equals(line.subarray(0, TRANSACTION_PREFIX.length)));

/**
 * Lines are split from raw chunks (no readline): the digest of the end line is taken over the raw
 * bytes, one update per chunk (on the side thread), and each line is decoded once (transaction
 * lines on the pool's threads, as bytes). Without a pool nothing here waits: no promise per line.
 */
async function readLines(file, report, state, pool, side) {
  let lineNo = 0;
  /** Every line when there is no pool, else the lines that are not transactions. Returns whether to go on. */
  const takeHere = (line, at) => {
    report.line = at;
    const text = line.toString('utf8');
    let record;
    if (isCompactLine(line)) {
      try {
        record = parseTransactionLine(text);
      } catch (error) {
        report.fail('bundle.format', { line: at, expected: 'a transaction line', found: error.message });
        return true; // (skipped, as the pool's threads skip it: the findings do not depend on --threads)
      }
      state.take(record, at);
      return true;
    }
    try {
      record = JSON.parse(text);
    } catch {
      record = null;
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      report.fail('bundle.format', { line: at, expected: 'a JSON object', found: text.slice(0, 60) });
      return true;
    }
    // A record's form is its line's, never what it says of itself: a JSON record claiming
    // `compact` would otherwise pass for a v2 line whose hash the side thread checked.
    record.compact = false;
    if (record.type === 'end') {
      state.end(record, at - 1);
      return false;
    }
    state.take(record, at);
    return true;
  };
  /** Whether to go on, or (with a pool) a promise of it: earlier transactions are checked first. */
  const takeLine = (line) => {
    const at = ++lineNo;
    if (!pool) return takeHere(line, at);
    if (isTransactionLine(line)) {
      pool.add(line, at);
      return pool.drain(state, report, false).then(() => true);
    }
    return pool.drain(state, report, true).then(() => takeHere(line, at));
  };
  const isEndLine = (line) => line[0] === 0x7b && line.subarray(0, 14).toString() === '{"type":"end",';
  let rest = null; // the start of a line the previous chunk cut off (not digested yet)
  let stopped = false;
  outer: for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    let start = 0;
    let hashedTo = 0; // the chunk's bytes before this have gone to the digest
    if (rest) {
      // Only the cut line is copied together, not the whole chunk.
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        rest = Buffer.concat([rest, chunk]);
        continue;
      }
      const line = Buffer.concat([rest, chunk.subarray(0, nl)]);
      if (!isEndLine(line)) side.digest(rest); // (its tail in this chunk is digested with the chunk)
      rest = null;
      let go = takeLine(line);
      if (go instanceof Promise) go = await go;
      if (!go) {
        stopped = true;
        break outer;
      }
      start = nl + 1;
    }
    for (let nl = chunk.indexOf(10, start); nl >= 0; nl = chunk.indexOf(10, start)) {
      const line = chunk.subarray(start, nl);
      if (isEndLine(line)) {
        if (start > hashedTo) side.digest(chunk.subarray(hashedTo, start));
        hashedTo = start;
      }
      let go = takeLine(line);
      if (go instanceof Promise) go = await go;
      if (!go) {
        stopped = true;
        break outer;
      }
      start = nl + 1;
    }
    if (start > hashedTo) side.digest(chunk.subarray(hashedTo, start));
    if (start < chunk.length) rest = Buffer.from(chunk.subarray(start));
  }
  if (rest && !stopped) await takeLine(rest);
  if (pool) await pool.drain(state, report, true);
}

/**
 * The in-order checks of one bundle, record by record: its form and order, the chain, double entry,
 * the lots, the journal templates (journal.js); the tree side (tree-state.js) and the statements
 * (statements.js) are kept apart.
 */
class BundleState {
  constructor(report, side, options) {
    this.report = report;
    this.side = side;
    this.options = options;
    this.stage = -1;
    this.header = null;
    /** A record came before any header (reported once, then such records are skipped). */
    this.beforeHeader = false;
    this.tree = new TreeState(report, side, options);
    this.statements = new Statements(report);
    this.accounts = new Map();
    this.lots = new Map();
    this.journal = new Journal();
    this.legAccounts = []; // the accounts and lots of the transaction being checked, reused
    this.legLots = [];
    this.lastSeq = 0n;
    this.lastLeaf = null;
    this.ended = false;
    this.transactions = 0;
    this.netLotIds = [];
    this.netAmounts = [];
  }

  fail(check, details) {
    this.report.fail(check, details);
  }

  take(record, lineNo, computed) {
    // Every later record is read against the header (its format, region, tree size): without one
    // first there is nothing to check them against, and finish() names the missing header.
    if (this.header === null && record.type !== 'header') {
      if (!this.beforeHeader) this.fail('bundle.format', { line: lineNo, expected: 'the header line first', found: String(record.type) });
      this.beforeHeader = true;
      return;
    }
    if (this.header !== null && record.type === 'header') {
      this.fail('bundle.format', { line: lineNo, expected: 'one header line', found: 'a second one' });
      return;
    }
    const stage = ORDER.indexOf(record.type);
    if (stage < 0 || stage < this.stage) {
      this.fail('bundle.format', { line: lineNo, expected: `a record after "${ORDER[this.stage]}"`, found: String(record.type) });
      return;
    }
    if (stage > ORDER.indexOf('leaves') && this.stage <= ORDER.indexOf('leaves')) this.tree.leavesDone();
    this.stage = stage;
    switch (record.type) {
      case 'header': return this.takeHeader(record);
      case 'checkpoint': return this.tree.takeCheckpoint(record);
      case 'earlierCheckpoint': return this.tree.takeEarlier(record);
      case 'consistency': return this.tree.takeConsistency(record);
      case 'leaves': return this.tree.takeLeaves(record);
      case 'account': return this.takeAccount(record);
      case 'lot': return this.takeLot(record);
      case 'transaction': return this.takeTransaction(record, computed);
      case 'balance': return this.statements.takeBalance(record);
      case 'trial': return this.statements.takeTrial(record);
    }
  }

  takeHeader(h) {
    if (!FORMATS.includes(h.format)) this.fail('bundle.format', { expected: FORMATS.join(' or '), found: String(h.format) });
    this.header = h;
    this.compact = h.format === FORMATS[1];
    this.statements.period(h.from, h.to);
    try {
      this.prefix = regionPrefix(h.region);
    } catch (error) {
      this.fail('bundle.format', { expected: 'a 12-digit region', found: error.message });
      this.prefix = '';
    }
    this.treeSize = BigInt(h.treeSize);
    this.tree.start(this.treeSize, h.origin);
  }

  /** Accounts carry what every posting to them needs: in scope or not, and their trial-balance line. */
  takeAccount(a) {
    const scoped = String(a.regionCode).startsWith(this.prefix ?? '');
    // The record's own fields only: the verifier's state (scope, cells, vouched) is never taken from the file.
    const { id, regionCode, fundLine, kind, payeeType, payeeId } = a;
    this.accounts.set(id, {
      id, regionCode, fundLine, kind, payeeType, payeeId,
      scoped, creditNormal: kind === 'FUNDING_SOURCE', trialKey: `${regionCode}|${fundLine}|${kind}`, trialLine: null, cells: new Map(), vouched: false,
    });
  }

  /** Lots likewise; the journal check (journal.js) indexes them by the transaction that created them. */
  takeLot(l) {
    const { id, fundLine, regionCode, parentLotId, fiscalYear, fundingSource, documentNo, createdByTransactionId } = l;
    const lot = { id, fundLine, regionCode, parentLotId, fiscalYear, fundingSource, documentNo, createdByTransactionId, scoped: String(regionCode).startsWith(this.prefix ?? ''), firstTx: undefined, vouched: false };
    this.lots.set(id, lot);
    this.journal.addLot(lot);
  }

  takeTransaction(t, computed = t.compact && this.options.hashOnSide ? t.hash : hashOrNull(t)) {
    this.transactions++;
    const seq = BigInt(t.seq);
    const at = { seq: t.seq };
    if ((t.compact === true) !== (this.compact === true)) {
      this.fail('bundle.format', { ...at, expected: `a ${this.compact ? 'v2 transaction line' : 'JSON transaction record'} (${this.header?.format})`, found: t.compact ? 'a v2 transaction line' : 'a JSON transaction record' });
    }
    if (seq <= this.lastSeq || seq > this.treeSize) {
      this.fail('chain.order', { ...at, expected: `a seq after ${this.lastSeq} and at most ${this.treeSize}`, found: t.seq });
      return;
    }
    this.lastSeq = seq;
    if (computed !== t.hash) this.fail('chain.hash', { ...at, expected: computed ?? 'a hash of well-formed fields (these cannot be encoded)', found: t.hash });
    const leaf = this.tree.leafHex(seq);
    if (t.hash !== leaf) this.fail('chain.leaf', { ...at, expected: leaf, found: t.hash });
    // (in a whole-city bundle the previous leaf is the one just decoded for the previous transaction)
    const previous = seq === 1n ? ZERO_HASH : seq - 1n === this.lastLeaf?.seq ? this.lastLeaf.hex : this.tree.leafHex(seq - 1n);
    this.lastLeaf = { seq, hex: leaf };
    if (t.prevHash !== previous) this.fail('chain.link', { ...at, expected: previous, found: t.prevHash });
    this.checkEntries(t, at);
  }

  /** Double entry, lot conservation, no negative balance, and the sums the statements are checked against. */
  checkEntries(t, at) {
    const postings = t.postings;
    if (!Array.isArray(postings) || postings.length < 2) {
      this.fail('double-entry', { ...at, expected: 'at least 2 postings', found: String(postings?.length ?? 0) });
      return;
    }
    let sum = 0n;
    // The net per lot, in two small arrays reused for every transaction (a transaction has a few
    // postings: a linear search beats a Map made for each of a million transactions).
    const lotIds = this.netLotIds;
    const nets = this.netAmounts;
    lotIds.length = 0;
    nets.length = 0;
    let referenced = true;
    const legAccounts = this.legAccounts;
    const legLots = this.legLots;
    legAccounts.length = 0;
    legLots.length = 0;
    for (let i = 0; i < postings.length; i++) {
      const p = postings[i];
      const amount = amountOf(p);
      if (amount === null) {
        this.fail('bundle.format', { ...at, expected: 'a posting with an amount in fen (an integer)', found: p === null || typeof p !== 'object' ? String(p) : String(JSON.stringify(p.amount ?? null)) });
        referenced = false;
        continue;
      }
      sum += amount;
      const account = this.accounts.get(p.accountId);
      const lot = this.lots.get(p.lotId);
      if (!account || !lot) {
        this.fail('bundle.reference', { ...at, expected: `account ${p.accountId} and lot ${p.lotId} in the bundle`, found: account ? 'no lot' : 'no account' });
        referenced = false;
        continue;
      }
      legAccounts.push(account);
      legLots.push(lot);
      if (account.fundLine !== t.fundLine || lot.fundLine !== t.fundLine || p.effectiveDate !== t.effectiveDate) {
        this.fail('double-entry', { ...at, expected: `postings of fund line ${t.fundLine} on ${t.effectiveDate}`, found: `${account.fundLine}/${lot.fundLine} on ${p.effectiveDate}` });
      }
      const k = lotIds.indexOf(p.lotId);
      if (k < 0) {
        lotIds.push(p.lotId);
        nets.push(amount);
      } else {
        nets[k] += amount;
      }
      // A lot of the region is created by a transaction of the region (its appropriation, or the
      // allocation to it), which the bundle holds: its first posting must be in that transaction.
      if (lot.firstTx === undefined) {
        lot.firstTx = t.id;
        if (lot.scoped && lot.createdByTransactionId !== t.id) {
          this.fail('lot.origin', { ...at, expected: `lot ${p.lotId} first used by transaction ${lot.createdByTransactionId}, which created it`, found: `transaction ${t.id}` });
        }
      }
      if (!account.scoped) continue;
      const cell = this.statements.cellOf(account, p);
      const balance = (cell.running += amount);
      if (account.creditNormal ? balance > 0n : balance < 0n) {
        this.fail('balance.negative', { ...at, expected: `${account.kind} account ${p.accountId} lot ${p.lotId} ${account.kind === 'FUNDING_SOURCE' ? '≤ 0' : '≥ 0'}`, found: String(balance) });
      }
      this.statements.post(account, cell, p.effectiveDate, amount);
    }
    if (sum !== 0n) this.fail('double-entry', { ...at, expected: 'debits = credits (sum 0)', found: `sum ${sum}` });
    this.checkLotFlows(lotIds, nets, at);
    // The accounts' and lots' own records against what the hashed transaction says of them (journal.js).
    if (!referenced) return;
    for (const [check, expected, found] of this.journal.check(t, legAccounts, legLots)) this.fail(check, { ...at, expected, found });
  }

  /** Money leaves a lot only into its child or parent lot in the same transaction, amount for amount. */
  checkLotFlows(lotIds, nets, at) {
    const moved = [];
    for (let k = 0; k < lotIds.length; k++) if (nets[k] !== 0n) moved.push([lotIds[k], nets[k]]);
    if (moved.length === 0) return;
    const linked = moved.length === 2 && moved[0][1] === -moved[1][1] && (() => {
      const [a, b] = moved.map(([id]) => this.lots.get(id));
      return a && b && (a.parentLotId === b.id || b.parentLotId === a.id);
    })();
    if (!linked) {
      this.fail('lot.conservation', { ...at, expected: 'each lot nets to 0, or a parent and child lot move the same amount', found: moved.map(([id, net]) => `lot ${id} ${net}`).join(', ') });
    }
  }

  /** The end line: checked in finish(), once the side thread has the digest of every byte before it. */
  end(record, lines) {
    this.ended = true;
    this.endLine = { record, lines, fail: this.report.slot() };
  }

  checkEnd(digest) {
    const { record, lines, fail } = this.endLine;
    if (Number(record.lines) !== lines || record.sha256 !== digest) {
      fail('bundle.format', { expected: `${record.lines} lines with SHA-256 ${record.sha256}`, found: `${lines} lines with SHA-256 ${digest}` });
    }
  }

  finish() {
    if (!this.header) this.fail('bundle.format', { expected: 'a header line', found: 'none' });
    else this.tree.finish();
    const sums = this.side.result();
    if (sums.lineHashes) this.report.addLineHashes(sums.lineHashes);
    this.tree.checkTree(sums);
    if (this.endLine) this.checkEnd(sums.digest);
    if (!this.ended) this.fail('bundle.format', { expected: 'an end line', found: 'the bundle stops early' });
    this.statements.finish();
    Object.assign(this.report.stats, { transactions: this.transactions, accounts: this.accounts.size, lots: this.lots.size });
  }
}
