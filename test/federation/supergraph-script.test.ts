/** `npm run supergraph`: composes Sunshine's subgraph SDL (from the code) with other subgraphs' SDL files. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { projectRoot } from '../../platform/config.js';

const run = promisify(execFile);
const script = path.join(projectRoot, 'dist/scripts/compose-supergraph.js');
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sunshine-supergraph-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

function sdlFile(name: string, sdl: string): string {
  const file = path.join(folder, `${name}.graphql`);
  fs.writeFileSync(file, `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])\n${sdl}`);
  return file;
}

const compose = (...args: string[]) => run(process.execPath, [script, '--sunshine', 'http://sunshine.test/graphql', ...args], { cwd: projectRoot });

test('composes Sunshine with a subgraph that references Region and Elder', async () => {
  const orders = sdlFile('orders', `
    type ServiceOrder @key(fields: "id") { id: ID! region: Region elder: Elder }
    type Region @key(fields: "code", resolvable: false) { code: String! }
    type Elder @key(fields: "id") { id: ID! serviceOrders: [ServiceOrder!]! }
    type Query { serviceOrders: [ServiceOrder!]! }`);
  const { stdout } = await compose('--subgraph', `orders=http://orders.test/graphql,${orders}`);
  expect(stdout).toContain('@join__graph(name: "sunshine", url: "http://sunshine.test/graphql")');
  expect(stdout).toContain('@join__graph(name: "orders", url: "http://orders.test/graphql")');
  expect(stdout).toMatch(/type Elder implements Node[^{]*@join__type\(graph: ORDERS, key: "id"\)/);
});

test('a subgraph that contradicts Sunshine fails composition with the reasons', async () => {
  // Region.code is a String in Sunshine.
  const wrong = sdlFile('wrong', `
    type Region @key(fields: "code") { code: Int! population: Int }
    type Query { biggest: Region }`);
  await expect(compose('--subgraph', `wrong=http://wrong.test/graphql,${wrong}`)).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/composition failed:[\s\S]*Region\.code/) });
});

test('without an SDL file, a subgraph is asked for its _service { sdl }', async () => {
  const typeDefs = parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
    type Visit @key(fields: "id") { id: ID! region: Region }
    type Region @key(fields: "code", resolvable: false) { code: String! }
    type Query { visits: [Visit!]! }`);
  const visits = new ApolloServer({ schema: buildSubgraphSchema([{ typeDefs, resolvers: { Query: { visits: () => [] } } }]), plugins: [ApolloServerPluginInlineTraceDisabled()] });
  const { url } = await startStandaloneServer(visits, { listen: { port: 0, host: '127.0.0.1' } });
  try {
    const { stdout } = await compose('--subgraph', `visits=${url}`);
    expect(stdout).toContain(`@join__graph(name: "visits", url: "${url}")`);
    expect(stdout).toMatch(/type Visit[^{]*@join__type\(graph: VISITS, key: "id"\)/);
  } finally {
    await visits.stop();
  }
});
