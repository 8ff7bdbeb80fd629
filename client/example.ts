/**
 * How a front-end team calls Sunshine with the generated, typed documents: variables and results are
 * checked by the TypeScript compiler against schema/schema.graphql (test/api/client-codegen.test.ts
 * compiles this file and runs it against a live server).
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { RegionChildrenDocument, RegionDetailDocument, type RegionLevel } from './generated/graphql.js';

export async function request<TResult, TVariables>(
  url: string,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  token?: string,
): Promise<TResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: TResult; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data!;
}

/** Names of the counties of a city, with their village counts: a typical typed call. */
export async function countySummary(url: string, cityCode: string, token: string): Promise<{ name: string; level: RegionLevel; villages: number }[]> {
  const detail = await request(url, RegionDetailDocument, { code: cityCode }, token);
  if (!detail.region) return [];
  const page = await request(url, RegionChildrenDocument, { code: detail.region.code, first: 100 }, token);
  const summary: { name: string; level: RegionLevel; villages: number }[] = [];
  for (const edge of page.region?.children.edges ?? []) {
    const county = await request(url, RegionDetailDocument, { code: edge.node.code }, token);
    summary.push({ name: edge.node.name, level: edge.node.level, villages: county.region?.counts.villages ?? 0 });
  }
  return summary;
}
