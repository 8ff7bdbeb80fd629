/** schema/schema.graphql is what the code builds (CI also runs `npm run schema:check`). */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../platform/config.js';
import { buildSchema, isObjectType, print } from 'graphql';
import { printSdl } from '../../api/schema.js';
import { ENTITY_TYPES } from '../../api/federation/entities.js';

test('the checked-in SDL is up to date', async () => {
  const checkedIn = fs.readFileSync(path.join(projectRoot, 'schema/schema.graphql'), 'utf8');
  expect(await printSdl()).toBe(checkedIn);
});

test('every object type with an id implements Node', async () => {
  const sdl = await printSdl();
  // Entities carry their federation keys between the interfaces and the brace: `type Elder implements Node @key(fields: "id") {`.
  const withId = [...sdl.matchAll(/^type (\w+)(?: implements ([\w &]+?))?(?: @\w+(?:\([^)]*\))?)* \{[^}]*?\n  id: ID!/gm)];
  expect(withId.length).toBeGreaterThan(0);
  for (const [, name, interfaces] of withId) expect([name, interfaces ?? '']).toEqual([name, expect.stringContaining('Node')]);
});

test('every type node(id:) loads is a federation entity keyed by its id, resolved by a reference resolver', async () => {
  const schema = buildSchema(await printSdl());
  const nodeTypes = Object.values(schema.getTypeMap())
    .filter((type) => isObjectType(type) && type.getInterfaces().some((i) => i.name === 'Node'))
    .map((type) => type.name)
    .sort();
  expect(nodeTypes.length).toBeGreaterThan(10);
  // Node types node(id:) has no loader for are not entities either (_entities loads through the same table).
  expect(nodeTypes.filter((name) => !ENTITY_TYPES.includes(name))).toEqual(['AuditRun']);
  const keysOf = (name: string) => (schema.getType(name)!.astNode?.directives ?? []).filter((d) => d.name.value === 'key').map(print);
  for (const name of nodeTypes) expect([name, keysOf(name)]).toEqual([name, ENTITY_TYPES.includes(name) ? expect.arrayContaining(['@key(fields: "id")']) : []]);
  expect(keysOf('Region')).toEqual(['@key(fields: "code")', '@key(fields: "id")']);
  const entityUnion = schema.getType('_Entity');
  expect(entityUnion && 'getTypes' in entityUnion ? entityUnion.getTypes().map((t) => t.name).sort() : []).toEqual([...ENTITY_TYPES]);
});
