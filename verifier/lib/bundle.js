// Verifies a Sunshine ledger bundle (one file of lines, format v1 or v2; docs/proof.md "Bundles") offline.
// Every failure names the check, the seq (when a transaction is concerned), what was expected and
// what was found. The bundle is read as a stream, in one pass, in the order the exporter writes it.
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { TransactionPool } from './tx-pool.js';
import { createSide } from './side.js';
import { consistencyFailure, TreeBuilder } from './merkle.js';
import { verifyCheckpoint } from './note.js';
import { transactionHash, ZERO_HASH } from './canonical.js';
import { regionPrefix } from './regions.js';
import { isCompactLine, parseTransactionLine } from './tx-line.js';
import { Journal } from './journal.js';

/** v1: every record a JSON object; v2: transactions as compact tab-separated lines (tx-line.js). */
export const FORMATS = ['sunshine-ledger-bundle/v1', 'sunshine-ledger-bundle/v2'];
export const FORMAT = FORMATS[1];
const ORDER = ['header', 'checkpoint', 'earlierCheckpoint', 'consistency', 'leaves', 'account', 'lot', 'transaction', 'balance', 'trial', 'end'];
const b64 = (buffer) => Buffer.from(buffer).toString('base64');

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

class Report {
  constructor(limit) {
    this.entries = []; // failures, and slots (arrays) for failures found later that belong at that place
    this.lines = []; // the line each entry was found at
    this.line = 0; // the line being checked (set by the reader)
    this.kept = 0;
    this.count = 0;
    this.limit = limit;
    this.stats = {};
    this.lineHashes = null;
  }
  fail(check, details) {
    this.count++;
    if (this.kept < this.limit) {
      this.entries.push({ check, ...details });
      this.lines.push(this.line);
      this.kept++;
    }
  }
  /**
   * A place in the report for the checks that wait for the side sums (tree root, file digest): they
   * are reported where the sequential reading would have found them, not at the end.
   */
  slot() {
    const list = [];
    this.entries.push(list);
    this.lines.push(this.line);
    return (check, details) => {
      this.count++;
      list.push({ check, ...details });
    };
  }
  /**
   * The chain-hash mismatches of the side thread (line-hashes.js), each put before what the in-order
   * checks found at its line or later: where a sequential reader checks a transaction's hash first.
   */
  addLineHashes({ failures, count }) {
    this.count += count;
    this.lineHashes = failures;
  }
  get failures() {
    const side = this.lineHashes ?? [];
    const merged = [];
    let k = 0;
    for (let i = 0; i < this.entries.length; i++) {
      for (; k < side.length && side[k].line <= this.lines[i]; k++) merged.push(hashFailure(side[k]));
      const entry = this.entries[i];
      if (Array.isArray(entry)) merged.push(...entry);
      else merged.push(entry);
    }
    for (; k < side.length; k++) merged.push(hashFailure(side[k]));
    return merged.slice(0, this.limit);
  }
  get ok() {
    return this.count === 0;
  }
}

const hashFailure = ({ seq, expected, found }) => ({ check: 'chain.hash', seq, expected, found });

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

/** A cell's balance as of the bundle's `to` date: every posting, less those dated after it. */
const balanceAsOfTo = (cell) => cell.running - cell.later;

class BundleState {
  constructor(report, side, options) {
    this.report = report;
    this.side = side;
    this.options = options;
    this.stage = -1;
    this.header = null;
    /** A record came before any header (reported once, then such records are skipped). */
    this.beforeHeader = false;
    this.latest = null;
    this.earlier = [];
    this.consistency = [];
    this.leafBytes = null;
    this.leafCount = 0;
    this.wanted = new Set(); // the tree sizes (numbers) whose root the side thread keeps
    this.accounts = new Map();
    this.lots = new Map();
    this.journal = new Journal();
    this.legAccounts = []; // the accounts and lots of the transaction being checked, reused
    this.legLots = [];
    this.lastSeq = 0n;
    this.cells = new Map(); // account|lot → { key, running (seq order), later (postings after `to`) }, for the region's accounts
    this.trial = new Map(); // region|fund line|kind → {opening, debits, credits}
    this.ended = false;
    this.transactions = 0;
    this.netLotIds = [];
    this.netAmounts = [];
    this.savedCheckpoint = null;
    if (options.saved) {
      try {
        this.savedCheckpoint = verifyCheckpoint(options.saved, options.logKeys);
        this.wanted.add(Number(this.savedCheckpoint.size));
      } catch (error) {
        report.fail('saved.signature', { expected: 'a checkpoint signed by a log key', found: error.message });
      }
    }
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
    if (stage > ORDER.indexOf('leaves') && this.stage <= ORDER.indexOf('leaves')) this.leavesDone();
    this.stage = stage;
    switch (record.type) {
      case 'header': return this.takeHeader(record);
      case 'checkpoint': return this.takeCheckpoint(record);
      case 'earlierCheckpoint': return this.takeEarlier(record);
      case 'consistency': return this.consistency.push(record);
      case 'leaves': return this.takeLeaves(record);
      case 'account': return this.takeAccount(record);
      case 'lot': return this.takeLot(record);
      case 'transaction': return this.takeTransaction(record, computed);
      case 'balance': return this.takeBalance(record);
      case 'trial': return this.takeTrial(record);
    }
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

  takeHeader(h) {
    if (!FORMATS.includes(h.format)) this.fail('bundle.format', { expected: FORMATS.join(' or '), found: String(h.format) });
    this.header = h;
    this.compact = h.format === FORMATS[1];
    this.periodFrom = h.from;
    this.periodTo = h.to;
    try {
      this.prefix = regionPrefix(h.region);
    } catch (error) {
      this.fail('bundle.format', { expected: 'a 12-digit region', found: error.message });
      this.prefix = '';
    }
    this.treeSize = BigInt(h.treeSize);
    this.leafBytes = Buffer.alloc(Number(this.treeSize) * 32);
  }

  takeCheckpoint(record) {
    try {
      this.latest = verifyCheckpoint(record.note, this.options.logKeys, this.options.witnessKeys);
    } catch (error) {
      this.fail('checkpoint.signature', { expected: 'a checkpoint signed by a log key', found: error.message });
      return;
    }
    if (this.latest.size !== this.treeSize) this.fail('checkpoint.size', { expected: String(this.treeSize), found: String(this.latest.size) });
    if (this.latest.origin !== this.header.origin) this.fail('checkpoint.origin', { expected: this.header.origin, found: this.latest.origin });
    const witnesses = new Set(this.latest.cosignatures.map((c) => c.key.name));
    this.report.stats.cosignatures = [...witnesses];
    if (witnesses.size < this.options.quorum) {
      this.fail('checkpoint.witnesses', { expected: `at least ${this.options.quorum} witness cosignature(s)`, found: `${witnesses.size}` });
    }
  }

  takeEarlier(record) {
    try {
      const checkpoint = verifyCheckpoint(record.note, this.options.logKeys);
      this.earlier.push(checkpoint);
      this.wanted.add(Number(checkpoint.size));
    } catch (error) {
      this.fail('checkpoint.earlier', { expected: 'a checkpoint signed by a log key', found: error.message });
    }
  }

  takeLeaves(record) {
    const hashes = Buffer.from(record.hashes, 'base64');
    const start = Number(record.start);
    if (start !== this.leafCount || hashes.length % 32 !== 0 || start * 32 + hashes.length > this.leafBytes.length) {
      this.fail('leaves.order', { expected: `leaves from ${this.leafCount}, at most ${this.treeSize} in all`, found: `${hashes.length / 32} from ${start}` });
      return;
    }
    hashes.copy(this.leafBytes, start * 32);
    this.side.leaves(hashes, this.wanted);
    this.leafCount += hashes.length / 32;
  }

  leavesDone() {
    if (this.leavesChecked) return;
    this.leavesChecked = true;
    if (BigInt(this.leafCount) !== this.treeSize) {
      this.fail('leaves.count', { expected: String(this.treeSize), found: String(this.leafCount) });
    }
    this.report.stats.treeSize = this.leafCount;
    this.report.stats.root = null; // (set by checkTree, once the side thread has the root)
    this.treeFail = this.report.slot();
  }

  /** The checks on the tree's root and its prefixes, reported where leavesDone stood. */
  checkTree(sums) {
    const fail = this.treeFail;
    const root = sums.root;
    this.report.stats.root = b64(root);
    if (this.latest && !root.equals(this.latest.root)) fail('merkle.root', { expected: b64(this.latest.root), found: b64(root) });
    for (const checkpoint of this.earlier) this.checkPrefix(fail, sums.roots, 'checkpoint.earlier', checkpoint);
    if (this.savedCheckpoint) this.checkPrefix(fail, sums.roots, 'saved.consistency', this.savedCheckpoint);
    for (const proof of this.consistency) this.checkConsistencyProof(fail, proof);
  }

  /** A checkpoint of size m must have the root of the first m leaves: the tree only ever grew. */
  checkPrefix(fail, roots, check, checkpoint) {
    if (checkpoint.size > BigInt(this.leafCount)) {
      fail(check, { expected: `a tree of at least ${checkpoint.size} transactions (a checkpoint of that size was signed)`, found: `${this.leafCount}: transactions were dropped` });
      return;
    }
    const root = checkpoint.size === 0n ? new TreeBuilder().root() : roots.get(Number(checkpoint.size));
    if (!root || !root.equals(checkpoint.root)) {
      fail(check, { expected: `root ${b64(checkpoint.root)} of the first ${checkpoint.size} transactions`, found: `${root ? b64(root) : 'none'}: history was rewritten` });
    }
  }

  checkConsistencyProof(fail, proof) {
    const first = this.earlier.find((c) => c.size === BigInt(proof.fromSize));
    if (!first || !this.latest || BigInt(proof.toSize) !== this.latest.size) {
      fail('consistency.proof', { expected: 'a proof between two checkpoints of the bundle', found: `${proof.fromSize} → ${proof.toSize}` });
      return;
    }
    const why = consistencyFailure(BigInt(proof.fromSize), BigInt(proof.toSize), first.root, this.latest.root, proof.hashes.map((h) => Buffer.from(h, 'base64')));
    if (why) fail('consistency.proof', { expected: `${proof.fromSize} → ${proof.toSize} consistent`, found: why });
  }

  leafHex(seq) {
    const i = Number(seq) - 1;
    return this.leafBytes.subarray(i * 32, i * 32 + 32).toString('hex');
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
    const leaf = this.leafHex(seq);
    if (t.hash !== leaf) this.fail('chain.leaf', { ...at, expected: leaf, found: t.hash });
    // (in a whole-city bundle the previous leaf is the one just decoded for the previous transaction)
    const previous = seq === 1n ? ZERO_HASH : seq - 1n === this.lastLeaf?.seq ? this.lastLeaf.hex : this.leafHex(seq - 1n);
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
      const cell = account.cells.get(p.lotId) ?? this.newCell(account, p);
      const balance = (cell.running += amount);
      if (account.creditNormal ? balance > 0n : balance < 0n) {
        this.fail('balance.negative', { ...at, expected: `${account.kind} account ${p.accountId} lot ${p.lotId} ${account.kind === 'FUNDING_SOURCE' ? '≤ 0' : '≥ 0'}`, found: String(balance) });
      }
      this.addToStatements(account, cell, p.effectiveDate, amount);
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

  /** The running sums of one account in one lot, looked up by the account's own map on the hot path. */
  newCell(account, p) {
    const key = p.accountId + '|' + p.lotId;
    const cell = { key, running: 0n, later: 0n };
    account.cells.set(p.lotId, cell);
    this.cells.set(key, cell);
    return cell;
  }

  addToStatements(account, cell, date, amount) {
    const { periodFrom: from, periodTo: to } = this;
    if (to && date > to) {
      cell.later += amount; // (the balance as of `to` is running − later: one sum a posting, not two)
      return;
    }
    let line = account.trialLine;
    if (!line) {
      line = this.trial.get(account.trialKey) ?? { opening: 0n, debits: 0n, credits: 0n };
      this.trial.set(account.trialKey, line);
      account.trialLine = line;
    }
    if (from && date < from) line.opening += amount;
    else if (amount > 0n) line.debits += amount;
    else line.credits -= amount;
  }

  takeBalance(b) {
    const key = `${b.accountId}|${b.lotId}`;
    const cell = this.cells.get(key);
    const computed = cell ? balanceAsOfTo(cell) : 0n;
    if (BigInt(b.balance) !== computed) this.fail('balance.statement', { expected: `account ${b.accountId} lot ${b.lotId}: ${computed}`, found: String(b.balance) });
    this.statedBalances = (this.statedBalances ?? new Set()).add(key);
  }

  takeTrial(r) {
    const key = `${r.regionCode}|${r.fundLine}|${r.accountKind}`;
    const line = this.trial.get(key) ?? { opening: 0n, debits: 0n, credits: 0n };
    const closing = line.opening + line.debits - line.credits;
    const expected = `${line.opening} + ${line.debits} - ${line.credits} = ${closing}`;
    const found = `${r.opening} + ${r.debits} - ${r.credits} = ${r.closing}`;
    if (expected !== found) this.fail('trial.statement', { expected: `${key}: ${expected}`, found });
    this.statedTrial = (this.statedTrial ?? new Set()).add(key);
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
    if (!this.latest && this.header) this.fail('checkpoint.signature', { expected: 'a checkpoint', found: 'none' });
    if (this.header) this.leavesDone();
    const sums = this.side.result();
    if (sums.lineHashes) this.report.addLineHashes(sums.lineHashes);
    if (this.treeFail) this.checkTree(sums);
    if (this.endLine) this.checkEnd(sums.digest);
    if (!this.ended) this.fail('bundle.format', { expected: 'an end line', found: 'the bundle stops early' });
    for (const [key, cell] of this.cells) {
      const balance = balanceAsOfTo(cell);
      if (balance !== 0n && !this.statedBalances?.has(key)) this.fail('balance.statement', { expected: `a stated balance for account|lot ${key}: ${balance}`, found: 'none' });
    }
    for (const [key, line] of this.trial) {
      const moved = line.opening !== 0n || line.debits !== 0n || line.credits !== 0n;
      if (moved && !this.statedTrial?.has(key)) this.fail('trial.statement', { expected: `a trial-balance line for ${key}`, found: 'none' });
    }
    Object.assign(this.report.stats, { transactions: this.transactions, accounts: this.accounts.size, lots: this.lots.size });
  }
}
