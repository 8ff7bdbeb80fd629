// The bundle's tree side: its signed checkpoints (latest, earlier, saved by the user), the leaves,
// and the checks of the Merkle root and of every checkpoint against it, once the side thread has
// built the tree (side.js). Each check is reported where a sequential reader would have found it.
import { consistencyFailure, TreeBuilder } from './merkle.js';
import { verifyCheckpoint } from './note.js';

const b64 = (buffer) => Buffer.from(buffer).toString('base64');

export class TreeState {
  constructor(report, side, options) {
    this.report = report;
    this.side = side;
    this.options = options;
    this.latest = null;
    this.earlier = [];
    this.consistency = [];
    this.leafBytes = null;
    this.leafCount = 0;
    this.treeSize = 0n;
    this.origin = null;
    this.wanted = new Set(); // the tree sizes (numbers) whose root the side thread keeps
    this.leavesChecked = false;
    this.treeFail = null;
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

  /** The header's tree size and log origin, which every checkpoint and leaf is read against. */
  start(treeSize, origin) {
    this.treeSize = treeSize;
    this.origin = origin;
    this.leafBytes = Buffer.alloc(Number(treeSize) * 32);
  }

  takeCheckpoint(record) {
    try {
      this.latest = verifyCheckpoint(record.note, this.options.logKeys, this.options.witnessKeys);
    } catch (error) {
      this.fail('checkpoint.signature', { expected: 'a checkpoint signed by a log key', found: error.message });
      return;
    }
    if (this.latest.size !== this.treeSize) this.fail('checkpoint.size', { expected: String(this.treeSize), found: String(this.latest.size) });
    if (this.latest.origin !== this.origin) this.fail('checkpoint.origin', { expected: this.origin, found: this.latest.origin });
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

  takeConsistency(record) {
    this.consistency.push(record);
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

  /** The leaf hash of transaction `seq` (1-based), as hex. */
  leafHex(seq) {
    const i = Number(seq) - 1;
    return this.leafBytes.subarray(i * 32, i * 32 + 32).toString('hex');
  }

  /** At the end of the bundle (of one with a header): a checkpoint was there, the leaves are counted. */
  finish() {
    if (!this.latest) this.fail('checkpoint.signature', { expected: 'a checkpoint', found: 'none' });
    this.leavesDone();
  }

  /** With the side thread's sums: the checks on the tree's root and its prefixes, reported where leavesDone stood. */
  checkTree(sums) {
    if (!this.treeFail) return;
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
}
