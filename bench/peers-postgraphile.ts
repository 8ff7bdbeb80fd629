/**
 * The PostGraphile 5 peer of `npm run bench:peers`, in a process of its own (as the Sunshine server
 * is): the Amber preset over the bench's `peer` schema (one `region(code, name, level, parent_code)`
 * table), Node's HTTP server, production mode (no explain, no GraphiQL). Started by bench/peers.ts
 * with PEER_DATABASE_URL and PEER_PORT; prints "listening" once it answers.
 */
import { createServer } from 'node:http';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

const connectionString = process.env.PEER_DATABASE_URL;
const port = Number(process.env.PEER_PORT);
if (!connectionString || !port) throw new Error('PEER_DATABASE_URL and PEER_PORT are required');

const pgl = postgraphile({
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString, schemas: ['peer'], poolConfig: { max: Number(process.env.PEER_POOL_SIZE ?? 8) } })],
  grafserv: { port, graphiql: false, graphqlPath: '/graphql' },
  grafast: { explain: false },
});
const serv = pgl.createServ(grafserv);
const server = createServer();
server.on('error', (error) => {
  console.error(error);
  process.exit(1);
});
await serv.addTo(server);
server.listen(port, '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => {
  server.close();
  void Promise.resolve(pgl.release()).finally(() => process.exit(0));
});
