/** What the registry's resolvers share: id and argument parsing, derived values, filter and page arguments, payments of a payee. */
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { Context } from '../context.js';
import { PageArgs, resolvePage, type ResolvedPage } from '../relay.js';
import { LedgerTransaction, LedgerTransactionConnection, LedgerTransactionConnectionTypes } from '../ledger/ledger.type.js';
import { todayInChina } from '../../platform/id-number.js';
import type { VitalEventRecord } from '../../registry/types.js';
import { withinScope } from '../../registry/access.js';
import * as v from '../../registry/validate.js';
import { isId } from './ids.js';
import { AgeBand, FacilityStatus, OperatingModel, Sex, VitalStatus } from './vocabulary.type.js';

// ---- helpers ----------------------------------------------------------------------------------------

export { isId, internalId } from './ids.js';
export const page = (args: PageArgs): ResolvedPage => resolvePage(args, isId);
export const seqPage = (args: PageArgs): ResolvedPage => resolvePage(args, (key) => /^[0-9]{1,18}$/.test(key));

export function dateArg(value: string | null | undefined, field: string): string {
  return value == null ? todayInChina() : v.isoDate(value, field);
}

export function monthArg(value: string | null | undefined, field: string): string {
  return value == null ? todayInChina().slice(0, 7) : v.month(value, field);
}

/** A region filter: its scope prefix, FORBIDDEN when outside the jurisdiction (registry/access.ts). */
export function withinPrefix(ctx: Context, within: string | null | undefined, field = 'within'): string | null {
  return within == null ? null : withinScope(ctx.viewer, within, field);
}

/** Field names selected on the object a resolver returns (fragments included). */
export function selectedFields(info: GraphQLResolveInfo): Set<string> {
  const names = new Set<string>();
  const visit = (set: SelectionSetNode | undefined) => {
    for (const s of set?.selections ?? []) {
      if (s.kind === Kind.FIELD) names.add(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) visit(s.selectionSet);
      else if (s.kind === Kind.FRAGMENT_SPREAD) visit(info.fragments[s.name.value]?.selectionSet);
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet);
  return names;
}

export function currentVital(events: VitalEventRecord[]): VitalEventRecord | null {
  return events.at(-1) ?? null;
}

export async function deathDateOf(ctx: Context, elderId: string): Promise<string | null> {
  const latest = currentVital(await ctx.registryLoaders.vitalEvents.load(elderId));
  return latest?.status === 'DECEASED' ? latest.deathDate : null;
}

export async function categoriesOn(ctx: Context, elderId: string, asOf: string): Promise<string[]> {
  const all = await ctx.registryLoaders.memberships.load(elderId);
  return all.filter((m) => m.validFrom <= asOf && (m.validTo == null || m.validTo >= asOf)).map((m) => m.category);
}

export async function paymentsOf(ctx: Context, payeeType: 'PERSON' | 'FACILITY', payeeId: string, args: PageArgs): Promise<LedgerTransactionConnection> {
  const resolved = seqPage(args);
  const rows = resolved.first === 0 ? [] : await ctx.loaders.payments.load({ owner: payeeId, page: resolved, extra: payeeType });
  return LedgerTransactionConnectionTypes.build(rows.map(LedgerTransaction.from), resolved, (t) => t.seq, () => ctx.loaders.paymentCounts.load(payeeId, payeeType));
}

// ---- arguments ------------------------------------------------------------------------------------

@InputType({ description: 'Filter for elders; all given conditions must hold. Always limited to your jurisdiction.' })
export class ElderFilterInput {
  @Field(() => String, { nullable: true, description: 'Region code (or 4/6/9-digit prefix) whose subtree holds the household or residence village.' }) within?: string | null;
  @Field(() => Sex, { nullable: true, description: 'Only elders of this sex.' }) sex?: 'MALE' | 'FEMALE' | null;
  @Field(() => AgeBand, { nullable: true, description: 'Only elders in this age band on asOf (today when omitted): the living only.' }) ageBand?: keyof typeof AgeBand | null;
  @Field(() => Int, { nullable: true, description: 'Age at least (on asOf, as Elder.age counts; the living only).' }) minAge?: number | null;
  @Field(() => Int, { nullable: true, description: 'Age at most (on asOf, as Elder.age counts; the living only, and only those born by then: no one not yet born is of age 0).' }) maxAge?: number | null;
  @Field(() => String, { nullable: true, description: 'Holds this special category on asOf.' }) category?: string | null;
  @Field(() => VitalStatus, { nullable: true, description: 'Only elders with this vital status.' }) vitalStatus?: 'ALIVE' | 'DECEASED' | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD for ages and categories; today when omitted.' }) asOf?: string | null;
}

@InputType({ description: 'Filter for facilities; always limited to your jurisdiction.' })
export class FacilityFilterInput {
  @Field(() => String, { nullable: true, description: 'Region subtree to look in (12-digit code or prefix).' }) within?: string | null;
  @Field(() => String, { nullable: true, description: 'Facility type code.' }) type?: string | null;
  @Field(() => FacilityStatus, { nullable: true, description: 'Only facilities in this status.' }) status?: 'OPERATING' | null;
  @Field(() => OperatingModel, { nullable: true, description: 'Only facilities with this operating model.' }) operatingModel?: 'PUBLIC_BUILT_PUBLIC_RUN' | null;
}

@InputType({ description: 'Filter for the access log; always limited to records in your jurisdiction.' })
export class AccessLogFilterInput {
  @Field(() => String, { nullable: true, description: 'Token subject of the reader.' }) subject?: string | null;
  @Field(() => ID, { nullable: true, description: 'Global id of the elder or caregiver read.' }) entityId?: string | null;
  @Field(() => String, { nullable: true, description: 'ISO-8601, inclusive.' }) from?: string | null;
  @Field(() => String, { nullable: true, description: 'ISO-8601, exclusive.' }) to?: string | null;
}

@ArgsType()
export class StaysArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Only stays covering this date (YYYY-MM-DD).' }) activeOn?: string | null;
}

@ArgsType()
export class ServicesArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Only this service type.' }) serviceType?: string | null;
}

@ArgsType()
export class StaffingArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'YYYY-MM; this month when omitted.' }) month?: string | null;
  @Field(() => String, { nullable: true, description: 'Region subtree to look in (12-digit code or prefix); default the caller’s jurisdiction.' }) within?: string | null;
  @Field(() => Boolean, { defaultValue: false, description: 'Only facilities below 1 certified caregiver per 10 residents.' }) belowStandardOnly!: boolean;
}
