/** The executable schema, built from the resolver classes. schema/schema.graphql is its printed, checked-in form. */
import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { RegionResolver } from './hierarchy/region.resolver.js';
import { NodeResolver } from './node.resolver.js';
import { LedgerResolver, LedgerTransactionResolver, LotResolver, PostingResolver, TrailStepResolver } from './ledger/ledger.resolver.js';
import { registryResolvers } from './registry/registry.resolver.js';
import { PeriodResolver, TrialBalanceResolver } from './ledger/periods.resolver.js';
import { ChangesResolver } from './sync/changes.resolver.js';
import { guardArguments } from './input-guard.js';
import { auditResolvers } from './audit/audit.resolver.js';
import { proofResolvers } from './proof/proof.resolver.js';

let built: Promise<GraphQLSchema> | undefined;

export function createSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [NodeResolver, RegionResolver, LedgerResolver, LedgerTransactionResolver, LotResolver, PostingResolver, TrailStepResolver, PeriodResolver, TrialBalanceResolver, ...registryResolvers, ...auditResolvers, ...proofResolvers, ChangesResolver],
    validate: false,
  }).then(guardArguments);
  return built;
}

/** The SDL front-end teams read, sorted so that diffs show real changes only. */
export async function printSdl(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await createSchema()))}\n`;
}
