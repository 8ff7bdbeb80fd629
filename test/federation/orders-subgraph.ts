/** A county's own "service orders" subgraph (服务工单), for the federation test and bench: it references Sunshine's Region by code and Elder by id, and adds Elder.serviceOrders. */
import { parse } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';

export const ORDERS_SDL = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  "A service order of the county's own system (服务工单)."
  type ServiceOrder @key(fields: "id") {
    id: ID!
    title: String!
    "Where the service is delivered: Sunshine's Region, by its code."
    region: Region
    "Who receives it: Sunshine's Elder, by its global id."
    elder: Elder
  }

  "Owned by Sunshine; this subgraph only holds the key."
  type Region @key(fields: "code", resolvable: false) {
    code: String!
  }

  "Owned by Sunshine; this subgraph adds the elder's service orders."
  type Elder @key(fields: "id") {
    id: ID!
    serviceOrders: [ServiceOrder!]!
  }

  type Query {
    "Every order of the county's system."
    serviceOrders: [ServiceOrder!]!
  }
`);

export interface Order {
  id: string;
  title: string;
  regionCode: string;
  elderId: string;
}

export function ordersService(orders: Order[]): ApolloServer {
  const toGraphql = (o: Order) => ({ id: o.id, title: o.title, region: { code: o.regionCode }, elder: { id: o.elderId } });
  return new ApolloServer({
    plugins: [ApolloServerPluginInlineTraceDisabled()],
    schema: buildSubgraphSchema([
      {
        typeDefs: ORDERS_SDL,
        resolvers: {
          Query: { serviceOrders: () => orders.map(toGraphql) },
          Elder: {
            __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
            serviceOrders: (elder: { id: string }) => orders.filter((o) => o.elderId === elder.id).map(toGraphql),
          },
        },
      },
    ]),
  });
}
