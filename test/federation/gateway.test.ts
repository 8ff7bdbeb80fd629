/**
 * Sunshine in a supergraph: a county's own "service orders" subgraph (built here with
 * @apollo/subgraph) references Region by code and Elder by id and adds Elder.serviceOrders;
 * @theguild/federation-composition composes it with Sunshine's `_service { sdl }`, and a Hive
 * gateway (in-process) answers one query across both, forwarding the caller's bearer token to
 * Sunshine — whose scope still applies to every entity the gateway fetches.
 */
import { parse } from 'graphql';
import type { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import type { Role } from '../../auth/roles.js';
import { authHeader, useXuzhouApi, type GraphQLResponse } from '../support/api.js';
import { registerElder, idNumber } from '../registry/support.js';
import { firstRegionBelow } from '../support/database.js';
import { createGateway, type Gateway } from './hive-gateway.js';
import { ORDERS_SDL, ordersService } from './orders-subgraph.js';
import { FENG, PEI } from '../fixtures/index.js';

const live = useXuzhouApi();

const A = FENG; // 丰县: the county running the orders service
const B = PEI; // 沛县

let orders: ApolloServer;
let gateway: Gateway;
let supergraphSdl: string;
let publicSdl: string;
let elderA: string;
let elderB: string;

beforeAll(async () => {
  elderA = (await registerElder(live.api, { idNumber: idNumber('1944-06-15', 'MALE', '320321'), name: '张三', hukouVillageCode: await firstRegionBelow(live.db.pool, A, 'VILLAGE') })).id;
  elderB = (await registerElder(live.api, { idNumber: idNumber('1941-03-02', 'FEMALE', '320322'), name: '王芳', hukouVillageCode: await firstRegionBelow(live.db.pool, B, 'VILLAGE') })).id;
  orders = ordersService([
    { id: 'SO-1', title: '助餐', regionCode: A, elderId: elderA },
    { id: 'SO-2', title: '助浴', regionCode: A, elderId: elderA },
    // A reference to another county's elder: the county's token must not see her through the gateway.
    { id: 'SO-3', title: '上门探访', regionCode: B, elderId: elderB },
  ]);
  const { url: ordersUrl } = await startStandaloneServer(orders, { listen: { port: 0, host: '127.0.0.1' } });

  // Composition reads each subgraph's SDL from `_service { sdl }`, as `rover`/Hive do from a running subgraph.
  const service = await live.api.as('SYSTEM_CLIENT', A).gql(`{ _service { sdl } }`);
  expect(service.errors).toBeUndefined();
  const composed = composeServices([
    { name: 'sunshine', typeDefs: parse(service.data!._service.sdl), url: live.api.url },
    { name: 'orders', typeDefs: ORDERS_SDL, url: ordersUrl },
  ]);
  if (compositionHasErrors(composed)) throw new Error(`composition failed: ${composed.errors.map((e) => e.message).join('\n')}`);
  ({ supergraphSdl, publicSdl } = composed);

  gateway = await createGateway({
    supergraph: supergraphSdl,
    logging: false,
    // The gateway calls Sunshine as the caller, never with a credential of its own.
    propagateHeaders: { fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }) },
  });
});

afterAll(async () => {
  await gateway?.dispose();
  await orders?.stop();
});

async function viaGateway(query: string, headers: Record<string, string>): Promise<GraphQLResponse> {
  const response = await gateway.fetch('http://gateway.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  return { status: response.status, ...((await response.json()) as object) };
}

const as = async (role: Role, jurisdiction: string) => authHeader(role, jurisdiction);

const ACROSS = `{
  serviceOrders {
    id title
    region { code name level }
    elder { id name sex serviceOrders { id } }
  }
}`;

test('composition: one supergraph with both subgraphs; Elder gains serviceOrders', () => {
  expect(supergraphSdl).toMatch(/join__graph\(name: "sunshine"/);
  expect(supergraphSdl).toMatch(/join__graph\(name: "orders"/);
  const elder = /type Elder implements Node \{[^}]*\}/.exec(publicSdl)?.[0] ?? '';
  expect(elder).toContain('serviceOrders: [ServiceOrder!]!');
  expect(elder).toContain('hukouVillageCode');
  expect(publicSdl).not.toContain('_entities');
});

test('one query across both subgraphs, answered for a county officer within the county only', async () => {
  const res = await viaGateway(ACROSS, await as('CIVIL_AFFAIRS_OFFICER', A));
  const [so1, so2, so3] = res.data!.serviceOrders;
  // From orders: id, title; from Sunshine: region and elder; from orders again: the elder's orders.
  expect(so1).toEqual({ id: 'SO-1', title: '助餐', region: { code: A, name: '丰县', level: 'COUNTY' }, elder: { id: elderA, name: expect.stringMatching(/^张/), sex: 'MALE', serviceOrders: [{ id: 'SO-1' }, { id: 'SO-2' }] } });
  expect(so2.elder.id).toBe(elderA);
  // The other county's region and elder are refused by Sunshine, and nothing of them comes through.
  expect(so3).toEqual({ id: 'SO-3', title: '上门探访', region: null, elder: null });
  expect(JSON.stringify(res.data)).not.toMatch(/王|沛县|FEMALE/);
  expect(res.errors!.map((e) => [e.path!.slice(0, 3).join('.'), e.extensions?.code, e.extensions?.serviceName])).toEqual([
    ['serviceOrders.2.region', 'FORBIDDEN', 'sunshine'],
    ['serviceOrders.2.elder', 'FORBIDDEN', 'sunshine'],
  ]);
});

test('the scope is the caller’s: the city admin’s token sees both counties through the same gateway', async () => {
  const res = await viaGateway(ACROSS, await as('CITY_ADMIN', '320300000000'));
  expect(res.errors).toBeUndefined();
  const so3 = res.data!.serviceOrders[2];
  expect(so3.region).toEqual({ code: B, name: '沛县', level: 'COUNTY' });
  expect(so3.elder).toMatchObject({ id: elderB, sex: 'FEMALE', serviceOrders: [{ id: 'SO-3' }] });
});

test('without a token the gateway gets nothing from Sunshine', async () => {
  const res = await viaGateway(ACROSS, {});
  for (const order of res.data?.serviceOrders ?? []) {
    expect(order.region?.name ?? null).toBeNull();
    expect(order.elder?.name ?? null).toBeNull();
  }
  expect(JSON.stringify(res.errors)).toContain('UNAUTHENTICATED');
});
