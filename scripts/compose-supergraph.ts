/**
 * npm run -s supergraph -- --sunshine <routing url> --subgraph <name>=<routing url>[,<sdl file>] … > supergraph.graphql
 *
 * Composes Sunshine and other Federation 2 subgraphs into a supergraph SDL for a gateway (Hive
 * Gateway, Apollo Router, …) with @theguild/federation-composition (MIT). Sunshine's subgraph SDL
 * comes from the code (no server needed); another subgraph's from its SDL file, or else from its
 * running `_service { sdl }` (with SUBGRAPH_TOKEN as bearer token when set). Composition errors go
 * to stderr with exit code 1. A development tool: the composition library is a devDependency.
 */
import fs from 'node:fs';
import { Command } from 'commander';
import { execute, parse, type DocumentNode } from 'graphql';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import { createSchema } from '../api/schema.js';
import { subgraphToken } from '../platform/config.js';

interface Subgraph {
  name: string;
  url: string;
  typeDefs: DocumentNode;
}

const SERVICE_QUERY = '{ _service { sdl } }';

/** Sunshine's `_service { sdl }`, executed on the schema itself: what a running server would answer. */
async function sunshineSdl(): Promise<string> {
  const result = await execute({ schema: await createSchema(), document: parse(SERVICE_QUERY) });
  if (result.errors) throw result.errors[0];
  return (result.data as { _service: { sdl: string } })._service.sdl;
}

async function fetchSdl(url: string): Promise<string> {
  const token = subgraphToken();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: SERVICE_QUERY }),
  });
  const body = (await response.json()) as { data?: { _service?: { sdl?: string } }; errors?: { message: string }[] };
  const sdl = body.data?._service?.sdl;
  if (!sdl) throw new Error(`${url} answered no _service.sdl: ${body.errors?.map((e) => e.message).join('; ') ?? response.status}`);
  return sdl;
}

async function subgraphFrom(spec: string): Promise<Subgraph> {
  const match = /^([A-Za-z][A-Za-z0-9_-]*)=([^,]+)(?:,(.+))?$/.exec(spec);
  if (!match) throw new Error(`--subgraph "${spec}": expected <name>=<routing url>[,<sdl file>]`);
  const [, name, url, file] = match as unknown as [string, string, string, string | undefined];
  const sdl = file ? fs.readFileSync(file, 'utf8') : await fetchSdl(url);
  return { name, url, typeDefs: parse(sdl) };
}

const program = new Command()
  .name('supergraph')
  .description('Compose Sunshine with other Federation 2 subgraphs into a supergraph SDL (stdout)')
  .requiredOption('--sunshine <url>', 'the routing URL at which the gateway reaches Sunshine, e.g. http://localhost:4000/graphql')
  .option('--subgraph <spec...>', 'another subgraph: <name>=<routing url>[,<sdl file>] (without a file: its _service { sdl })', [])
  .addHelpText('after', '\nExample:\n  npm run -s supergraph -- --sunshine http://localhost:4000/graphql --subgraph orders=http://localhost:4001/graphql,orders.graphql > supergraph.graphql')
  .parse();

async function main() {
  const opts = program.opts<{ sunshine: string; subgraph: string[] }>();
  const subgraphs: Subgraph[] = [{ name: 'sunshine', url: opts.sunshine, typeDefs: parse(await sunshineSdl()) }];
  for (const spec of opts.subgraph) subgraphs.push(await subgraphFrom(spec));
  const result = composeServices(subgraphs);
  if (compositionHasErrors(result)) {
    process.stderr.write(`composition failed:\n${result.errors.map((e) => `  ${e.message}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`${result.supergraphSdl}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
