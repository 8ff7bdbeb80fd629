// The side thread (lib/side.js): the digest it returns is the SHA-256 of every byte handed to it,
// and the reader never runs more than its bound ahead of it (a bundle of many gigabytes is not
// copied into memory while the side thread catches up).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createSide } from '../lib/side.js';

test('the reader waits for the side thread once its backlog reaches the bound, and the digest covers every byte', async () => {
  const chunk = 1 << 20;
  const bound = 2 * chunk;
  const chunks = Array.from({ length: 48 }, () => randomBytes(chunk));
  const side = createSide(1, { maxBacklogBytes: bound });
  try {
    // Copying a chunk costs a fraction of hashing it: unbounded, the backlog would grow to most of the 48 MB.
    for (const bytes of chunks) side.digest(bytes);
    const { digest } = side.result();
    const expected = createHash('sha256');
    for (const bytes of chunks) expected.update(bytes);
    assert.equal(digest, expected.digest('hex'));
    assert.ok(side.stats.waits > 0, 'the reader waited');
    assert.ok(side.stats.largestBacklog <= bound + chunk, `backlog ${side.stats.largestBacklog} over ${bound + chunk}`);
  } finally {
    await side.close();
  }
});
