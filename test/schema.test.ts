/** schema/schema.graphql is what the code builds (CI also runs `npm run schema:check`). */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../platform/config.js';
import { printSdl } from '../api/schema.js';

test('the checked-in SDL is up to date', async () => {
  const checkedIn = fs.readFileSync(path.join(projectRoot, 'schema/schema.graphql'), 'utf8');
  expect(await printSdl()).toBe(checkedIn);
});

test('every object type with an id implements Node', async () => {
  const sdl = await printSdl();
  const withId = [...sdl.matchAll(/^type (\w+)(?: implements ([\w &]+))? \{[^}]*?\n  id: ID!/gm)];
  expect(withId.length).toBeGreaterThan(0);
  for (const [, name, interfaces] of withId) expect([name, interfaces ?? '']).toEqual([name, expect.stringContaining('Node')]);
});
