import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COSIGNATURE_ED25519, checkpointText, parseVerifierKey, signNote, signerFromSeed, verifyCheckpoint, signatureLine, splitNote } from '../lib/note.js';
import { cosign } from '../lib/witness.js';
import { EMPTY_ROOT, TreeBuilder } from '../lib/merkle.js';

const log = signerFromSeed('example.test/log', Buffer.alloc(32, 1));
const witness = signerFromSeed('example.test/witness', Buffer.alloc(32, 2), COSIGNATURE_ED25519);

test('a checkpoint verifies with its key, unknown signatures are ignored, a failing known one rejects the note', () => {
  const note = signNote(checkpointText('example.test/log', 3, Buffer.alloc(32, 7)), log);
  const keys = [parseVerifierKey(log.vkey)];
  assert.equal(verifyCheckpoint(note, keys).size, 3n);
  const grease = signerFromSeed('grease.example/x', Buffer.alloc(32, 9));
  const greased = `${note}${signatureLine(grease, splitNote(note).text)}\n`;
  assert.equal(verifyCheckpoint(greased, keys).size, 3n);
  const forged = note.replace('\n3\n', '\n4\n');
  assert.throws(() => verifyCheckpoint(forged, keys), /does not verify/);
  assert.throws(() => verifyCheckpoint(note, [parseVerifierKey(grease.vkey)]), /no signature by a known log key/);
  assert.throws(() => parseVerifierKey(log.vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+')), /does not match/);
});

test('the witness cosigns consistent checkpoints only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'witness-'));
  const state = join(dir, 'state');
  const tree = new TreeBuilder();
  tree.push(Buffer.alloc(32, 1));
  const first = signNote(checkpointText('example.test/log', 1, tree.root()), log);
  const logKeys = [parseVerifierKey(log.vkey)];
  const cosigned = cosign({ note: first, logKeys, signer: witness, stateFile: state, now: 1_700_000_000 });
  const verified = verifyCheckpoint(cosigned, logKeys, [parseVerifierKey(witness.vkey)]);
  assert.equal(verified.cosignatures.length, 1);
  assert.equal(verified.cosignatures[0].time, 1_700_000_000n);
  const fork = signNote(checkpointText('example.test/log', 1, Buffer.alloc(32, 5)), log);
  assert.throws(() => cosign({ note: fork, logKeys, signer: witness, stateFile: state }), /forked/);
  const bigger = signNote(checkpointText('example.test/log', 2, Buffer.alloc(32, 5)), log);
  assert.throws(() => cosign({ note: bigger, logKeys, signer: witness, stateFile: state }), /consistency proof/);
  assert.throws(() => cosign({ note: bigger, logKeys, signer: witness, stateFile: state, proof: { fromSize: 1, toSize: 2, hashes: [Buffer.alloc(32).toString('base64')] } }), /not consistent/);
});

test('a witness that cosigned the empty log (size 0) cosigns its first real checkpoint without a proof, which cannot exist', () => {
  const dir = mkdtempSync(join(tmpdir(), 'witness-'));
  const state = join(dir, 'state');
  const logKeys = [parseVerifierKey(log.vkey)];
  cosign({ note: signNote(checkpointText('example.test/log', 0, EMPTY_ROOT), log), logKeys, signer: witness, stateFile: state });
  const tree = new TreeBuilder();
  tree.push(Buffer.alloc(32, 1));
  const first = signNote(checkpointText('example.test/log', 1, tree.root()), log);
  const cosigned = cosign({ note: first, logKeys, signer: witness, stateFile: state });
  assert.equal(verifyCheckpoint(cosigned, logKeys, [parseVerifierKey(witness.vkey)]).cosignatures.length, 1);
  // from there on consistency is required again
  const bigger = signNote(checkpointText('example.test/log', 2, Buffer.alloc(32, 5)), log);
  assert.throws(() => cosign({ note: bigger, logKeys, signer: witness, stateFile: state }), /consistency proof from 1 to 2/);
  // a size-0 checkpoint whose root is not the empty tree's is refused (and vouches for nothing if a
  // state file holds one)
  const odd = signNote(checkpointText('example.test/log', 0, Buffer.alloc(32, 3)), log);
  assert.throws(() => cosign({ note: odd, logKeys, signer: witness, stateFile: join(dir, 'odd') }), /size 0 must have the empty tree's root/);
  writeFileSync(join(dir, 'old'), odd);
  assert.throws(() => cosign({ note: first, logKeys, signer: witness, stateFile: join(dir, 'old') }), /root other than the empty tree's/);
});
