/**
 * The Merkle tree (RFC 6962) and its proofs (RFC 9162), server side and offline verifier side,
 * against a naive MTH for many tree sizes (0, 1, powers of two and their neighbours), including the
 * size checks other verifiers got wrong.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  appendLeaves,
  consistencyFailure,
  consistencyPath,
  EMPTY_ROOT,
  inclusionFailure,
  inclusionPath,
  leafHash,
  nodeHash,
  nodeKeyText,
  peaksOf,
  rangeHash,
  splitPoint,
  type NodeKey,
} from '../../ledger/proof/merkle.js';
import { verifierModule } from './support.js';

/** MTH straight from RFC 6962 §2.1. */
function naive(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return createHash('sha256').digest();
  if (leaves.length === 1) return leafHash(leaves[0]!);
  const k = splitPoint(leaves.length);
  return nodeHash(naive(leaves.slice(0, k)), naive(leaves.slice(k)));
}

const SIZES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257];
const MAX = 257;
const leaves = Array.from({ length: MAX }, () => randomBytes(32));

/** A node store built incrementally in random chunks, as the integrator does. */
function buildStore(): { nodes: Map<string, Buffer>; roots: Map<number, Buffer> } {
  const nodes = new Map<string, Buffer>();
  leaves.forEach((leaf, i) => nodes.set(nodeKeyText({ level: 0, index: i }), leafHash(leaf)));
  const roots = new Map<number, Buffer>([[0, EMPTY_ROOT]]);
  let size = 0;
  let peaks: Buffer[] = [];
  while (size < MAX) {
    const take = Math.min(MAX - size, 1 + Math.floor(Math.random() * 5));
    // every prefix size is reached at least through chunk boundaries; record the others by building one at a time below
    const grown = appendLeaves(size, peaks, leaves.slice(size, size + take));
    for (const n of grown.nodes) nodes.set(nodeKeyText(n), n.hash);
    peaks = grown.peaks;
    size += take;
    roots.set(size, grown.root);
  }
  return { nodes, roots };
}

const { nodes, roots } = buildStore();
const node = (key: NodeKey) => {
  const hash = nodes.get(nodeKeyText(key));
  if (!hash) throw new Error(`no node ${nodeKeyText(key)}`);
  return hash;
};

let v: any;
beforeAll(async () => {
  v = await verifierModule('merkle.js');
});

test('incremental appends store every complete subtree and give RFC 6962 roots', () => {
  for (const [size, root] of roots) expect(root.equals(naive(leaves.slice(0, size)))).toBe(true);
  for (const size of SIZES) {
    expect(rangeHash(0, size, node).equals(naive(leaves.slice(0, size)))).toBe(true);
    // the right edge has one complete subtree per set bit of the size
    expect(peaksOf(size).length).toBe(size.toString(2).replace(/0/g, '').length);
  }
  expect(EMPTY_ROOT.toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test('the offline verifier computes the same roots', () => {
  for (const size of SIZES) {
    const builder = new v.TreeBuilder();
    for (const leaf of leaves.slice(0, size)) builder.push(leaf);
    expect(builder.root().equals(naive(leaves.slice(0, size)))).toBe(true);
  }
});

test('inclusion proofs verify for every leaf of every size, on both sides, and only for the right index and size', () => {
  for (const size of SIZES.filter((s) => s > 0)) {
    const root = naive(leaves.slice(0, size));
    for (let index = 0; index < size; index += size > 40 ? 7 : 1) {
      const proof = inclusionPath(index, 0, size, node);
      expect(inclusionFailure(index, size, leaves[index]!, proof, root)).toBeNull();
      expect(v.inclusionFailure(index, size, leaves[index]!, proof, root)).toBeNull();
      if (size > 1) {
        expect(v.inclusionFailure((index + 1) % size, size, leaves[index]!, proof, root)).not.toBeNull();
        expect(v.inclusionFailure(index, size, leaves[(index + 1) % size]!, proof, root)).not.toBeNull();
      }
      // (a root is bound to its size by the signed checkpoint; what the verifier checks is the proof's length)
      expect(v.inclusionFailure(index, size, leaves[index]!, [...proof, root], root)).not.toBeNull();
      expect(inclusionFailure(index, size, leaves[index]!, [...proof, root], root)).not.toBeNull();
    }
    expect(v.inclusionFailure(size, size, leaves[0]!, [], root)).toMatch(/not below/);
    expect(inclusionFailure(size, size, leaves[0]!, [], root)).not.toBeNull();
  }
});

test('consistency proofs verify between every pair of sizes, and fail for any other sizes', () => {
  for (const second of SIZES.filter((s) => s > 0)) {
    const secondRoot = naive(leaves.slice(0, second));
    for (const first of SIZES.filter((s) => s > 0 && s <= second)) {
      const firstRoot = naive(leaves.slice(0, first));
      const proof = consistencyPath(first, 0, second, true, node);
      expect(consistencyFailure(first, second, firstRoot, secondRoot, proof)).toBeNull();
      expect(v.consistencyFailure(first, second, firstRoot, secondRoot, proof)).toBeNull();
      if (first < second) {
        // a proof must be consumed exactly (certificate-transparency-rfcs #100, hash-tree 0.1.1): not one hash short or long
        expect(v.consistencyFailure(first, second, firstRoot, secondRoot, proof.slice(0, -1))).not.toBeNull();
        expect(consistencyFailure(first, second, firstRoot, secondRoot, proof.slice(0, -1))).not.toBeNull();
        const flipped = proof.map((h, i) => (i === proof.length - 1 ? Buffer.from(h.map((b) => b ^ 1)) : h));
        expect(v.consistencyFailure(first, second, firstRoot, secondRoot, flipped)).not.toBeNull();
        expect(v.consistencyFailure(first, second, firstRoot, secondRoot, [])).not.toBeNull();
        expect(v.consistencyFailure(first, second, firstRoot, secondRoot, [...proof, firstRoot])).not.toBeNull();
        expect(consistencyFailure(first, second, firstRoot, secondRoot, [...proof, firstRoot])).not.toBeNull();
        const forged = naive([...leaves.slice(0, first - 1), randomBytes(32)]);
        expect(v.consistencyFailure(first, second, forged, secondRoot, proof)).not.toBeNull();
        expect(consistencyFailure(first, second, forged, secondRoot, proof)).not.toBeNull();
      } else {
        expect(proof).toEqual([]);
      }
    }
    // an empty proof from size 0 proves nothing (transparency-dev/merkle #140, #236)
    expect(v.consistencyFailure(0, second, EMPTY_ROOT, secondRoot, [])).not.toBeNull();
    expect(consistencyFailure(0, second, EMPTY_ROOT, secondRoot, [])).not.toBeNull();
    if (second > 1) expect(v.consistencyFailure(second, second - 1, secondRoot, secondRoot, [])).not.toBeNull();
  }
});
