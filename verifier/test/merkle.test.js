// The verifier's own tests (node:test, no dependencies): RFC 6962 reference vectors, proof checks,
// signed notes and cosignatures, and adversarial bundles built in memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_ROOT, TreeBuilder, consistencyFailure, inclusionFailure, leafHash, nodeHash } from '../lib/merkle.js';

// The RFC 6962 reference leaves and roots (as used by the Certificate Transparency implementations).
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => Buffer.from(h, 'hex'));
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

test('roots of the RFC 6962 reference tree, sizes 0 to 8', () => {
  assert.equal(new TreeBuilder().root().toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  const tree = new TreeBuilder();
  LEAVES.forEach((leaf, i) => {
    tree.push(leaf);
    assert.equal(tree.root().toString('hex'), ROOTS[i], `size ${i + 1}`);
  });
});

test('reference inclusion and consistency proofs, and their strict size checks', () => {
  const h = LEAVES.map(leafHash);
  const root8 = Buffer.from(ROOTS[7], 'hex');
  // leaf 0 of 8: [h1, H(h2,h3), H(H(h4,h5),H(h6,h7))]
  const proof0 = [h[1], nodeHash(h[2], h[3]), nodeHash(nodeHash(h[4], h[5]), nodeHash(h[6], h[7]))];
  assert.equal(inclusionFailure(0, 8, LEAVES[0], proof0, root8), null);
  assert.match(inclusionFailure(8, 8, LEAVES[0], proof0, root8), /not below/);
  assert.match(inclusionFailure(0, 8, LEAVES[0], proof0.slice(0, 2), root8), /too few/);
  assert.match(inclusionFailure(0, 8, LEAVES[0], [...proof0, root8], root8), /more hashes/);
  assert.match(inclusionFailure(0, 8, LEAVES[1], proof0, root8), /does not lead/);
  // consistency 4 → 8: [H(H(h4,h5),H(h6,h7))] (4 is a power of two: its root is implied)
  const root4 = Buffer.from(ROOTS[3], 'hex');
  const c48 = [nodeHash(nodeHash(h[4], h[5]), nodeHash(h[6], h[7]))];
  assert.equal(consistencyFailure(4, 8, root4, root8, c48), null);
  assert.notEqual(consistencyFailure(4, 8, root4, root8, []), null);
  assert.notEqual(consistencyFailure(0, 8, EMPTY_ROOT, root8, []), null);
  assert.notEqual(consistencyFailure(5, 4, root4, root8, c48), null);
  assert.equal(consistencyFailure(8, 8, root8, root8, []), null);
  assert.notEqual(consistencyFailure(8, 8, root8, root4, []), null);
});
