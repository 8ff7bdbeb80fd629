/**
 * The Hive gateway runtime, loaded without its type declarations: graphql-yoga's augment
 * graphql's GraphQLErrorExtensions for every file of the program (`http.headers` as a record),
 * which contradicts Apollo Server's (a Map, used in api/hardening.ts). The test needs only this much.
 */
export interface Gateway {
  fetch(url: string, init: { method: string; headers: Record<string, string>; body: string }): Promise<Response>;
  dispose(): Promise<void>;
}

export interface GatewayOptions {
  /** The supergraph SDL composed from the subgraphs (join__graph urls inside). */
  supergraph: string;
  logging: false;
  propagateHeaders: { fromClientToSubgraphs: (payload: { request: Request; subgraphName: string }) => Record<string, string | null> };
}

const runtimeModule: string = '@graphql-hive/gateway-runtime';

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { createGatewayRuntime } = (await import(runtimeModule)) as { createGatewayRuntime: (options: GatewayOptions) => Gateway };
  return createGatewayRuntime(options);
}
