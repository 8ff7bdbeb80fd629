/**
 * The executable schema, built from the resolver classes and served as an Apollo Federation 2
 * subgraph (api/federation/). schema/schema.graphql is its printed, checked-in form.
 */
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { buildSubgraph } from './federation/subgraph.js';
import { printSubgraphSdl } from './federation/print.js';
import { RegionResolver } from './hierarchy/region.resolver.js';
import { NodeResolver } from './node.resolver.js';
import { LedgerResolver, LedgerTransactionResolver, LotResolver, PostingResolver, TrailStepResolver } from './ledger/ledger.resolver.js';
import { registryResolvers } from './registry/registry.resolver.js';
import { PeriodResolver, TrialBalanceResolver } from './ledger/periods.resolver.js';
import { ApprovalResolver, LedgerTransactionProposalResolver, ProposalResolver } from './ledger/approval.resolver.js';
import { ChangesResolver } from './sync/changes.resolver.js';
import { guardArguments } from './input-guard.js';
import { authChecker } from './authorization.js';
import { auditResolvers } from './audit/audit.resolver.js';
import { proofResolvers } from './proof/proof.resolver.js';

let built: Promise<GraphQLSchema> | undefined;

export function createSchema(): Promise<GraphQLSchema> {
  // Arguments are guarded on the served schema, so federation's _entities is checked like every other field.
  built ??= createTypeGraphqlSchema().then(buildSubgraph).then(describeRoots).then(guardArguments);
  return built;
}

/** The root types' descriptions (type-graphql builds Query and Mutation without one). */
function describeRoots(schema: GraphQLSchema): GraphQLSchema {
  schema.getQueryType()!.description ??= 'What may be read: the hierarchy, the registry, the ledger, audit findings and proofs, always limited to your jurisdiction (辖区).';
  const mutation = schema.getMutationType();
  if (mutation) mutation.description ??= 'What may be written: ledger transactions, registry records, period actions and audit dispositions; each is one database transaction.';
  return schema;
}

function createTypeGraphqlSchema(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: [NodeResolver, RegionResolver, LedgerResolver, LedgerTransactionResolver, LotResolver, PostingResolver, TrailStepResolver, PeriodResolver, TrialBalanceResolver, ApprovalResolver, ProposalResolver, LedgerTransactionProposalResolver, ...registryResolvers, ...auditResolvers, ...proofResolvers, ChangesResolver], authChecker, validate: false });
}

/** The SDL front-end teams read, sorted so that diffs show real changes only; with applied directives (`@key`, `@link`). */
export async function printSdl(): Promise<string> {
  return printSubgraphSdl(await createSchema());
}
