/**
 * RFC 6962 §2.1 tree hashes and RFC 9162 §2.1.3 / §2.1.4 proofs, over a store of complete
 * subtrees. Sizes and indices are plain numbers (safe up to 2^53 transactions). The verification
 * functions are the RFC's algorithms with strict size checks; the server runs them on its own
 * proofs before it signs a checkpoint. (The offline verifier in verifier/ has its own copy, on purpose.)
 */
import { createHash } from 'node:crypto';

export const EMPTY_ROOT = createHash('sha256').digest();
const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

export const leafHash = (data: Buffer): Buffer => createHash('sha256').update(LEAF).update(data).digest();
export const nodeHash = (left: Buffer, right: Buffer): Buffer => createHash('sha256').update(NODE).update(left).update(right).digest();

/** A complete subtree: the 2^level leaves from index·2^level. Level 0 is one leaf. */
export interface NodeKey {
  level: number;
  index: number;
}
export const nodeKeyText = (k: NodeKey) => `${k.level}:${k.index}`;

/** The largest power of two strictly smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

const isPowerOfTwo = (n: number) => n > 0 && Number.isInteger(Math.log2(n));

/**
 * MTH(D[lo:hi]) from complete subtrees: a complete, aligned range is one stored node; any other
 * range (the right edge of a tree) splits at the largest power of two, as RFC 6962 defines.
 */
export function rangeHash(lo: number, hi: number, node: (key: NodeKey) => Buffer): Buffer {
  const width = hi - lo;
  if (width === 0) return EMPTY_ROOT;
  if (isPowerOfTwo(width) && lo % width === 0) return node({ level: Math.log2(width), index: lo / width });
  const k = splitPoint(width);
  return nodeHash(rangeHash(lo, lo + k, node), rangeHash(lo + k, hi, node));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]). */
export function inclusionPath(m: number, lo: number, hi: number, node: (key: NodeKey) => Buffer): Buffer[] {
  const n = hi - lo;
  if (n <= 1) return [];
  const k = splitPoint(n);
  return m < k
    ? [...inclusionPath(m, lo, lo + k, node), rangeHash(lo + k, hi, node)]
    : [...inclusionPath(m - k, lo + k, hi, node), rangeHash(lo, lo + k, node)];
}

/** RFC 9162 §2.1.4.1 SUBPROOF(m, D[lo:hi], b). */
export function consistencyPath(m: number, lo: number, hi: number, complete: boolean, node: (key: NodeKey) => Buffer): Buffer[] {
  const n = hi - lo;
  if (m === n) return complete ? [] : [rangeHash(lo, hi, node)];
  const k = splitPoint(n);
  return m <= k
    ? [...consistencyPath(m, lo, lo + k, complete, node), rangeHash(lo + k, hi, node)]
    : [...consistencyPath(m - k, lo + k, hi, false, node), rangeHash(lo, lo + k, node)];
}

/**
 * Runs a proof computation twice: once to learn which stored nodes it reads, then (after `fetch`
 * brought them in one round trip) for real.
 */
export async function withNodes<T>(compute: (node: (key: NodeKey) => Buffer) => T, fetch: (keys: NodeKey[]) => Promise<Map<string, Buffer>>): Promise<T> {
  const wanted = new Map<string, NodeKey>();
  const placeholder = Buffer.alloc(32);
  compute((key) => {
    wanted.set(nodeKeyText(key), key);
    return placeholder;
  });
  const nodes = await fetch([...wanted.values()]);
  return compute((key) => {
    const hash = nodes.get(nodeKeyText(key));
    if (!hash) throw new Error(`merkle node ${nodeKeyText(key)} is missing`);
    return hash;
  });
}

/** RFC 9162 §2.1.4.2, strict: null when the proof holds, else why not. */
export function consistencyFailure(first: number, second: number, firstRoot: Buffer, secondRoot: Buffer, proof: Buffer[]): string | null {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || second < 0) return 'sizes must be non-negative integers';
  if (first === 0) return 'a proof from size 0 proves nothing';
  if (first > second) return `size ${first} is larger than size ${second}`;
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot) ? null : `size ${first} with two roots, or a non-empty proof`;
  if (proof.length === 0) return 'an empty proof between different sizes';
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  let fn = BigInt(first - 1);
  let sn = BigInt(second - 1);
  while (fn & 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0n) return 'the proof is too long';
    if (fn & 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!(fn & 1n)) while (!(fn & 1n) && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return 'the proof is too short';
  if (!fr.equals(firstRoot)) return `the proof does not lead to the root of size ${first}`;
  if (!sr.equals(secondRoot)) return `the proof does not lead to the root of size ${second}`;
  return null;
}

/** RFC 9162 §2.1.3.2, strict. */
export function inclusionFailure(index: number, size: number, leaf: Buffer, proof: Buffer[], root: Buffer): string | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return `leaf ${index} is not in a tree of size ${size}`;
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leafHash(leaf);
  for (const p of proof) {
    if (sn === 0n) return 'the proof is too long';
    if (fn & 1n || fn === sn) {
      r = nodeHash(p, r);
      if (!(fn & 1n)) while (!(fn & 1n) && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return 'the proof is too short';
  return r.equals(root) ? null : 'the proof does not lead to the root';
}

/**
 * The right edge of a tree of `size` leaves: one complete subtree per set bit, largest first.
 * Appending leaves needs only these (and produces the new complete subtrees).
 */
export function peaksOf(size: number): NodeKey[] {
  const peaks: NodeKey[] = [];
  let start = 0;
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level;
    if (size - start >= width) {
      peaks.push({ level, index: start / width });
      start += width;
    }
  }
  return peaks;
}

/** Appends leaves to a tree given its peaks; returns the new complete subtrees (level ≥ 1), the new peaks and root. */
export function appendLeaves(size: number, peaks: Buffer[], chainHashes: Buffer[]): { nodes: (NodeKey & { hash: Buffer })[]; peaks: Buffer[]; root: Buffer } {
  // stack[i]: hash of the i-th peak, largest first (as peaksOf orders them); levels tracked alongside.
  const keys = peaksOf(size);
  const stack = keys.map((key, i) => ({ ...key, hash: peaks[i]! }));
  const nodes: (NodeKey & { hash: Buffer })[] = [];
  let n = size;
  for (const chainHash of chainHashes) {
    let carry = { level: 0, index: n, hash: leafHash(chainHash) };
    while (stack.length && stack[stack.length - 1]!.level === carry.level) {
      const left = stack.pop()!;
      carry = { level: carry.level + 1, index: left.index / 2, hash: nodeHash(left.hash, carry.hash) };
      nodes.push(carry);
    }
    stack.push(carry);
    n++;
  }
  let root = stack.length ? stack[stack.length - 1]!.hash : EMPTY_ROOT;
  for (let i = stack.length - 2; i >= 0; i--) root = nodeHash(stack[i]!.hash, root);
  return { nodes, peaks: stack.map((s) => s.hash), root };
}
