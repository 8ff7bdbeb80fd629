// The witness side of C2SP tlog-cosignature: cosign a log's checkpoint only after checking its log
// signature and its consistency with the last checkpoint this witness cosigned (kept in a state
// file), so a witness never vouches for two inconsistent views of the ledger.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { EMPTY_ROOT, consistencyFailure } from './merkle.js';
import { signatureLine, splitNote, verifyCheckpoint } from './note.js';

/**
 * Returns the cosigned note (the checkpoint with this witness's signature line added) and updates
 * the state file; throws with the reason when the checkpoint must not be cosigned.
 * `proof` is { fromSize, toSize, hashes: [base64] } from the log's consistencyProof.
 */
export function cosign({ note, logKeys, signer, stateFile, proof = null, now = Math.floor(Date.now() / 1000) }) {
  const checkpoint = verifyCheckpoint(note, logKeys);
  if (checkpoint.size === 0n && !checkpoint.root.equals(EMPTY_ROOT)) throw new Error('a checkpoint of size 0 must have the empty tree\'s root');
  if (existsSync(stateFile)) {
    const last = verifyCheckpoint(readFileSync(stateFile, 'utf8'), logKeys);
    if (last.origin !== checkpoint.origin) throw new Error(`the state file is for ${last.origin}, the checkpoint for ${checkpoint.origin}`);
    if (checkpoint.size < last.size) throw new Error(`checkpoint size ${checkpoint.size} is smaller than ${last.size}, which this witness already cosigned`);
    if (last.size === 0n && checkpoint.size > 0n) {
      // The empty tree is a prefix of every tree: no proof exists, and none is needed (the log
      // refuses a proof from size 0), once the size-0 checkpoint cosigned had the empty root.
      if (!last.root.equals(EMPTY_ROOT)) throw new Error('the size-0 checkpoint this witness cosigned has a root other than the empty tree\'s');
    } else if (checkpoint.size > last.size) {
      if (!proof) throw new Error(`a consistency proof from ${last.size} to ${checkpoint.size} is needed`);
      if (BigInt(proof.fromSize) !== last.size || BigInt(proof.toSize) !== checkpoint.size) {
        throw new Error(`the proof is for ${proof.fromSize} → ${proof.toSize}, not ${last.size} → ${checkpoint.size}`);
      }
      const why = consistencyFailure(last.size, checkpoint.size, last.root, checkpoint.root, proof.hashes.map((h) => Buffer.from(h, 'base64')));
      if (why) throw new Error(`not consistent with the checkpoint this witness cosigned: ${why}`);
    } else if (!checkpoint.root.equals(last.root)) {
      throw new Error(`two different roots for size ${checkpoint.size}: the log forked`);
    }
  }
  const { text } = splitNote(note);
  const cosigned = `${note}${signatureLine(signer, text, now)}\n`;
  const temporary = `${stateFile}.tmp`;
  writeFileSync(temporary, note);
  renameSync(temporary, stateFile);
  return cosigned;
}
