/**
 * The registry over GraphQL. Thin: check the viewer (permission and scope), parse ids, call a
 * loader or the RegistryService, wrap the result. Authorization, in one place per path:
 *  - single objects (by id, node(id), nested references) outside the jurisdiction → FORBIDDEN;
 *  - lists are filtered to the jurisdiction in SQL, and a `within` filter outside it → FORBIDDEN;
 *  - personal values in clear need `personal:unmask` and a reason, and are logged;
 *  - assessment details need `health:read`; payments need `ledger:read`.
 */
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Info, InputType, Int, Mutation, Query, Resolver, Root, createUnionType } from 'type-graphql';
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { Context } from '../context.js';
import { badUserInput } from '../errors.js';
import { fromGlobalId, PageArgs, resolvePage, type ResolvedPage } from '../relay.js';
import { Region } from '../hierarchy/region.type.js';
import { LedgerTransaction, LedgerTransactionConnection, LedgerTransactionConnectionTypes } from '../ledger/ledger.type.js';
import { forbidden } from '../../auth/viewer.js';
import { scopePrefixOf } from '../../hierarchy/region-code.js';
import type { Permission } from '../../auth/roles.js';
import { parseCode } from '../hierarchy/region.resolver.js';
import { todayInChina } from '../../registry/id-number.js';
import { ageAt, ageBand, allowanceBand } from '../../registry/derived.js';
import { facilityNo, parseRegistryNo } from '../../registry/validate.js';
import type { PersonalField } from '../../registry/registry.js';
import type {
  AccessLogRecord, AssessmentRecord, BedInventoryRecord, CaregiverRecord, CategoryMembershipRecord, ElderRecord, RatingRecord,
  FacilityRecord, ServiceRecordRecord, AssignmentRecord, StayRecord, VitalEventRecord,
} from '../../registry/types.js';
import { elderInScope, requireAccessLogEntry, requireCaregiver, requireElder, requireElderOf, requireFacility, requireFacilityOf, requireLink } from '../../registry/access.js';
import * as v from '../../registry/validate.js';
import { DomainError } from '../../platform/errors.js';
import { staffingOf } from '../../registry/registry.js';
import {
  AccessLogConnection,
  AccessLogConnectionTypes,
  AccessLogEntry,
  AddCategoryInput,
  AdmitInput,
  AgeBand,
  AllowanceBand,
  Assessment,
  AssessmentDetails,
  AssignCaregiverInput,
  BedInventory,
  Caregiver,
  CaregiverConnection,
  CaregiverConnectionTypes,
  CaregiverPersonalData,
  CategoryMembership,
  DefineServiceTypeInput,
  DischargeInput,
  Elder,
  ElderConnection,
  ElderConnectionTypes,
  ElderPersonalData,
  EndCategoryInput,
  Facility,
  FacilityConnection,
  FacilityConnectionTypes,
  FacilityRating,
  FacilityStaffing,
  FacilityStaffingConnection,
  FacilityStaffingConnectionTypes,
  FacilityStatus,
  OperatingModel,
  RateFacilityInput,
  RecordChange,
  RecordAssessmentInput,
  RecordBedInventoryInput,
  RecordServiceInput,
  RecordVitalStatusInput,
  ReferenceEntry,
  RegisterCaregiverInput,
  RegisterElderInput,
  RegisterFacilityInput,
  ServiceRecord,
  ServiceRecordConnection,
  ServiceRecordConnectionTypes,
  ServiceType,
  Sex,
  StaffAssignment,
  Staffing,
  Stay,
  StayConnection,
  StayConnectionTypes,
  UpdateElderInput,
  UpdateFacilityInput,
  VitalEvent,
  VitalStatus,
} from './registry.type.js';

// ---- helpers ----------------------------------------------------------------------------------------

const isId = (key: string) => /^[1-9][0-9]{0,17}$/.test(key);
const page = (args: PageArgs): ResolvedPage => resolvePage(args, isId);
const seqPage = (args: PageArgs): ResolvedPage => resolvePage(args, (key) => /^[0-9]{1,18}$/.test(key));

/** The internal id inside a global id of the expected type. */
export function internalId(id: string, type: string, field: string): string {
  const decoded = fromGlobalId(id);
  if (decoded.type !== type || !isId(decoded.key)) throw badUserInput(`"${id}" is not a ${type} id`, field);
  return decoded.key;
}

function dateArg(value: string | null | undefined, field: string): string {
  return value == null ? todayInChina() : v.isoDate(value, field);
}

function monthArg(value: string | null | undefined, field: string): string {
  return value == null ? todayInChina().slice(0, 7) : v.month(value, field);
}

/** A region filter: its scope prefix, FORBIDDEN when outside the jurisdiction. */
function withinPrefix(ctx: Context, within: string | null | undefined, field = 'within'): string | null {
  if (within == null) return null;
  const code = parseCode(within, field);
  ctx.viewer.requireInScope(code, `${field} ${code}`);
  return scopePrefixOf(code);
}

async function elderRecord(ctx: Context, id: string, field: string, permission: Permission = 'registry:read'): Promise<ElderRecord> {
  ctx.viewer.require(permission);
  const record = await ctx.registryLoaders.elder.load(internalId(id, 'Elder', field));
  if (!record) throw new DomainError('NOT_FOUND', 'no such elder', field);
  requireElder(ctx.viewer, record, permission);
  return record;
}

async function facilityRecord(ctx: Context, id: string, field: string, permission: Permission = 'registry:read'): Promise<FacilityRecord> {
  ctx.viewer.require(permission);
  const record = await ctx.registryLoaders.facility.load(internalId(id, 'Facility', field));
  if (!record) throw new DomainError('NOT_FOUND', 'no such facility', field);
  requireFacility(ctx.viewer, record, permission);
  return record;
}

/** The registry loaders that batch records by internal id. */
type RegistryLoaderName = 'elder' | 'facility' | 'caregiver' | 'assessment' | 'stay' | 'serviceRecord' | 'membership' | 'vitalEvent' | 'rating' | 'bedInventory' | 'assignment' | 'accessLogEntry';

/**
 * A node(id) loader of one registry type: the permission, the record by its internal id (null when
 * absent), the scope rule of registry/access.ts (FORBIDDEN outside the jurisdiction), the GraphQL object.
 */
function registryNode<R>(loader: RegistryLoaderName, guard: (ctx: Context, record: R) => void | Promise<void>, toObject: (record: R) => object, permission: Permission = 'registry:read') {
  return async (key: string, ctx: Context): Promise<object | null> => {
    ctx.viewer.require(permission);
    const record = isId(key) ? ((await ctx.registryLoaders[loader].load(key)) as R | null) : null;
    if (!record) return null;
    await guard(ctx, record);
    return toObject(record);
  };
}

const ofElder = (ctx: Context, r: { elderId: string }) => requireElderOf(ctx.viewer, ctx.registryLoaders, r.elderId);
const ofFacility = (ctx: Context, r: { facilityId: string }) => requireFacilityOf(ctx.viewer, ctx.registryLoaders, r.facilityId);

/** Loaders for node(id): FORBIDDEN outside the jurisdiction, null when absent. */
export const registryNodeLoaders: Record<string, (key: string, ctx: Context) => Promise<object | null>> = {
  Elder: registryNode<ElderRecord>('elder', (ctx, r) => requireElder(ctx.viewer, r), Elder.from),
  Facility: registryNode<FacilityRecord>('facility', (ctx, r) => requireFacility(ctx.viewer, r), Facility.from),
  Caregiver: registryNode<CaregiverRecord>('caregiver', (ctx, r) => requireCaregiver(ctx.viewer, r), Caregiver.from),
  // An assessment whose elder is gone is shown as it is (the elder's own rules no longer apply).
  Assessment: registryNode<AssessmentRecord>('assessment', async (ctx, r) => {
    const elder = await ctx.registryLoaders.elder.load(r.elderId);
    if (elder) requireElder(ctx.viewer, elder);
  }, Assessment.from),
  Stay: registryNode<StayRecord>('stay', (ctx, r) => requireLink(ctx.viewer, ctx.registryLoaders, { elderId: r.elderId, facilityId: r.facilityId }, `stay ${r.id}`), Stay.from),
  ServiceRecord: registryNode<ServiceRecordRecord>('serviceRecord', (ctx, r) => requireLink(ctx.viewer, ctx.registryLoaders, r, `service record ${r.id}`), ServiceRecord.from),
  CategoryMembership: registryNode<CategoryMembershipRecord>('membership', ofElder, CategoryMembership.from),
  VitalEvent: registryNode<VitalEventRecord>('vitalEvent', ofElder, VitalEvent.from),
  FacilityRating: registryNode<RatingRecord>('rating', ofFacility, FacilityRating.from),
  BedInventory: registryNode<BedInventoryRecord>('bedInventory', ofFacility, BedInventory.from),
  StaffAssignment: registryNode<AssignmentRecord>('assignment', ofFacility, StaffAssignment.from),
  AccessLogEntry: registryNode<AccessLogRecord>('accessLogEntry', (ctx, r) => requireAccessLogEntry(ctx.viewer, r), AccessLogEntry.from, 'access-log:read'),
};

const actorOf = (ctx: Context) => ({ subject: ctx.viewer.subject, roles: ctx.viewer.roles, tokenId: ctx.viewer.tokenId });

/** Field names selected on the object a resolver returns (fragments included). */
function selectedFields(info: GraphQLResolveInfo): Set<string> {
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

function currentVital(events: VitalEventRecord[]): VitalEventRecord | null {
  return events.at(-1) ?? null;
}

async function deathDateOf(ctx: Context, elderId: string): Promise<string | null> {
  const latest = currentVital(await ctx.registryLoaders.vitalEvents.load(elderId));
  return latest?.status === 'DECEASED' ? latest.deathDate : null;
}

async function categoriesOn(ctx: Context, elderId: string, asOf: string): Promise<string[]> {
  const all = await ctx.registryLoaders.memberships.load(elderId);
  return all.filter((m) => m.validFrom <= asOf && (m.validTo == null || m.validTo >= asOf)).map((m) => m.category);
}

/** The date `years` years before `date`, the day clamped to the month's length. */
function yearsBefore(date: string, years: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const last = new Date(Date.UTC(y - years, m, 0)).getUTCDate();
  return `${String(y - years).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}
/**
 * The date ages are computed on. The birth day is personal data (masked as 1944-06-**): without
 * personal:unmask, ages are computed at the end of asOf's month, so they change at the start of the
 * birth month and no asOf, filter or count can tell the days of the birth month apart.
 */
function ageDate(ctx: Context, date: string): string {
  if (ctx.viewer.can('personal:unmask')) return date;
  const [y, m] = date.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

const dayAfter = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

// ---- arguments ------------------------------------------------------------------------------------

@InputType({ description: 'Filter for elders; all given conditions must hold. Always limited to your jurisdiction.' })
class ElderFilterInput {
  @Field(() => String, { nullable: true, description: 'Region code (or 4/6/9-digit prefix) whose subtree holds the household or residence village.' }) within?: string | null;
  @Field(() => Sex, { nullable: true, description: 'Only elders of this sex.' }) sex?: 'MALE' | 'FEMALE' | null;
  @Field(() => AgeBand, { nullable: true, description: 'Only elders in this age band today.' }) ageBand?: keyof typeof AgeBand | null;
  @Field(() => Int, { nullable: true, description: 'Age at least (on asOf).' }) minAge?: number | null;
  @Field(() => Int, { nullable: true, description: 'Age at most (on asOf).' }) maxAge?: number | null;
  @Field(() => String, { nullable: true, description: 'Holds this special category on asOf.' }) category?: string | null;
  @Field(() => VitalStatus, { nullable: true, description: 'Only elders with this vital status.' }) vitalStatus?: 'ALIVE' | 'DECEASED' | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD for ages and categories; today when omitted.' }) asOf?: string | null;
}

@InputType({ description: 'Filter for facilities; always limited to your jurisdiction.' })
class FacilityFilterInput {
  @Field(() => String, { nullable: true, description: 'Region subtree to look in (12-digit code or prefix).' }) within?: string | null;
  @Field(() => String, { nullable: true, description: 'Facility type code.' }) type?: string | null;
  @Field(() => FacilityStatus, { nullable: true, description: 'Only facilities in this status.' }) status?: 'OPERATING' | null;
  @Field(() => OperatingModel, { nullable: true, description: 'Only facilities with this operating model.' }) operatingModel?: 'PUBLIC_BUILT_PUBLIC_RUN' | null;
}

@InputType({ description: 'Filter for the access log; always limited to records in your jurisdiction.' })
class AccessLogFilterInput {
  @Field(() => String, { nullable: true, description: 'Token subject of the reader.' }) subject?: string | null;
  @Field(() => ID, { nullable: true, description: 'Global id of the elder or caregiver read.' }) entityId?: string | null;
  @Field(() => String, { nullable: true, description: 'ISO-8601, inclusive.' }) from?: string | null;
  @Field(() => String, { nullable: true, description: 'ISO-8601, exclusive.' }) to?: string | null;
}

@ArgsType()
class StaysArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Only stays covering this date (YYYY-MM-DD).' }) activeOn?: string | null;
}

@ArgsType()
class ServicesArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Only this service type.' }) serviceType?: string | null;
}

@ArgsType()
class StaffingArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'YYYY-MM; this month when omitted.' }) month?: string | null;
  @Field(() => String, { nullable: true, description: 'Region subtree to look in (12-digit code or prefix); default the caller’s jurisdiction.' }) within?: string | null;
  @Field(() => Boolean, { defaultValue: false, description: 'Only facilities below 1 certified caregiver per 10 residents.' }) belowStandardOnly!: boolean;
}

// ---- queries and mutations --------------------------------------------------------------------------

@Resolver()
export class RegistryResolver {
  @Query(() => Elder, { nullable: true, description: 'An elder by global id; null if none; FORBIDDEN outside your jurisdiction.' })
  async elder(@Arg('id', () => ID, { description: 'Global id of the elder.' }) id: string, @Ctx() ctx: Context): Promise<Elder | null> {
    ctx.viewer.require('registry:read');
    const r = await ctx.registryLoaders.elder.load(internalId(id, 'Elder', 'id'));
    if (!r) return null;
    requireElder(ctx.viewer, r);
    return Elder.from(r);
  }

  @Query(() => Elder, {
    nullable: true,
    description:
      'An elder by ID number (looked up by its keyed hash; 15-digit numbers are converted). Confirming that a number belongs to ' +
      'someone is as good as reading it in clear (the masked form, birth month and check character leave a handful of candidates), ' +
      'so it needs personal:unmask and a reason, and a hit is written to the access log. Null when no elder with this number is ' +
      'registered in your jurisdiction — an elder registered elsewhere is not revealed.',
  })
  async elderByIdNumber(@Arg('idNumber', { description: '身份证号: the 18-character ID number (GB 11643) to look up.' }) idNumber: string, @Arg('reason', { description: '查询理由: why, written to the access log.' }) reason: string, @Ctx() ctx: Context): Promise<Elder | null> {
    ctx.viewer.require('registry:read');
    ctx.viewer.require('personal:unmask');
    if (typeof reason !== 'string' || reason.trim().length === 0) throw badUserInput('a reason is required to look an elder up by ID number', 'reason');
    if (reason.trim().length > 500) throw badUserInput('reason must be at most 500 characters', 'reason');
    const r = await ctx.registry.elderByIdNumber(idNumber);
    if (!r || !elderInScope(ctx.viewer, r)) return null;
    // Logged like any clear read of the ID number, in its own transaction with the quota check.
    await ctx.registryLoaders.unmaskElder(r.id, ['idNumber'], reason.trim(), actorOf(ctx), ctx.viewer.scopePrefix);
    return Elder.from(r);
  }

  @Query(() => ElderConnection, { description: 'Elders in your jurisdiction (household or residence village), in registration order.' })
  async elders(
    @Arg('filter', () => ElderFilterInput, { nullable: true, description: 'Which elders; all given conditions must hold.' }) filter: ElderFilterInput | null,
    @Args(() => PageArgs) args: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<ElderConnection> {
    ctx.viewer.require('registry:read');
    const resolved = page(args);
    const f = filter ?? {};
    const asOf = dateArg(f.asOf, 'filter.asOf');
    let min = f.minAge ?? null;
    let max = f.maxAge ?? null;
    if (f.ageBand) {
      const [lo, hi] = { ACTIVE_60_69: [60, 69], COMFORT_70_79: [70, 79], SECURE_80_PLUS: [80, null] }[f.ageBand] as [number, number | null];
      min = Math.max(min ?? 0, lo);
      max = hi == null ? max : Math.min(max ?? hi, hi);
    }
    if (f.category != null && !(await ctx.registry.categories()).some((c) => c.code === f.category)) {
      throw badUserInput(`unknown category ${f.category} (see specialCategories)`, 'filter.category');
    }
    if (min != null) v.intRange(min, 'filter.minAge', 0, 150);
    if (max != null) v.intRange(max, 'filter.maxAge', 0, 150);
    const query = {
      scopePrefix: ctx.viewer.scopePrefix,
      within: withinPrefix(ctx, f.within, 'filter.within'),
      sex: f.sex ?? null,
      bornTo: min != null ? yearsBefore(ageDate(ctx, asOf), min) : null,
      bornFrom: max != null ? dayAfter(yearsBefore(ageDate(ctx, asOf), max + 1)) : null,
      category: f.category ?? null,
      vitalStatus: f.vitalStatus ?? null,
      asOf,
    };
    const rows = resolved.first === 0 ? [] : await ctx.registry.listElders(query, resolved);
    for (const row of rows) ctx.registryLoaders.elder.prime(row.id, row);
    return ElderConnectionTypes.build(rows.map(Elder.from), resolved, (e) => e.record.id, () => ctx.registry.countElders(query));
  }

  @Query(() => Facility, { nullable: true, description: 'A facility by global id; FORBIDDEN outside your jurisdiction.' })
  async facility(@Arg('id', () => ID, { description: 'Global id of the facility.' }) id: string, @Ctx() ctx: Context): Promise<Facility | null> {
    ctx.viewer.require('registry:read');
    const r = await ctx.registryLoaders.facility.load(internalId(id, 'Facility', 'id'));
    if (!r) return null;
    requireFacility(ctx.viewer, r);
    return Facility.from(r);
  }

  @Query(() => FacilityConnection, { description: 'Facilities in your jurisdiction, in registration order.' })
  async facilities(
    @Arg('filter', () => FacilityFilterInput, { nullable: true, description: 'Which facilities; all given conditions must hold.' }) filter: FacilityFilterInput | null,
    @Args(() => PageArgs) args: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<FacilityConnection> {
    ctx.viewer.require('registry:read');
    const resolved = page(args);
    const query = {
      scopePrefix: ctx.viewer.scopePrefix,
      within: withinPrefix(ctx, filter?.within, 'filter.within'),
      type: filter?.type ?? null,
      status: filter?.status ?? null,
      operatingModel: filter?.operatingModel ?? null,
    };
    const rows = resolved.first === 0 ? [] : await ctx.registry.listFacilities(query, resolved);
    for (const row of rows) ctx.registryLoaders.facility.prime(row.id, row);
    return FacilityConnectionTypes.build(rows.map(Facility.from), resolved, (f) => f.record.id, () => ctx.registry.countFacilities(query));
  }

  @Query(() => Caregiver, { nullable: true, description: 'A caregiver by global id; FORBIDDEN outside your jurisdiction.' })
  async caregiver(@Arg('id', () => ID, { description: 'Global id of the caregiver.' }) id: string, @Ctx() ctx: Context): Promise<Caregiver | null> {
    ctx.viewer.require('registry:read');
    const r = await ctx.registryLoaders.caregiver.load(internalId(id, 'Caregiver', 'id'));
    if (!r) return null;
    requireCaregiver(ctx.viewer, r);
    return Caregiver.from(r);
  }

  @Query(() => CaregiverConnection, { description: 'Caregivers registered in your jurisdiction.' })
  async caregivers(
    @Arg('within', () => String, { nullable: true, description: 'Region subtree to look in (12-digit code or prefix); default the caller’s jurisdiction.' }) within: string | null,
    @Arg('certified', () => Boolean, { nullable: true, description: 'true: only caregivers with a certificate; false: only those without; omitted: all.' }) certified: boolean | null,
    @Args(() => PageArgs) args: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<CaregiverConnection> {
    ctx.viewer.require('registry:read');
    const resolved = page(args);
    const query = { scopePrefix: ctx.viewer.scopePrefix, within: withinPrefix(ctx, within), certified };
    const rows = resolved.first === 0 ? [] : await ctx.registry.listCaregivers(query, resolved);
    return CaregiverConnectionTypes.build(rows.map(Caregiver.from), resolved, (c) => c.record.id, () => ctx.registry.countCaregivers(query));
  }

  @Query(() => FacilityStaffingConnection, { description: '1:10 staffing per facility for a month: facilities in your jurisdiction with residents or caregivers that month.' })
  async staffingRatios(@Args(() => StaffingArgs) args: StaffingArgs, @Ctx() ctx: Context): Promise<FacilityStaffingConnection> {
    ctx.viewer.require('registry:read');
    const resolved = page(args);
    const month = monthArg(args.month, 'month');
    const query = { scopePrefix: ctx.viewer.scopePrefix, within: withinPrefix(ctx, args.within), month, belowStandardOnly: args.belowStandardOnly };
    const rows = resolved.first === 0 ? [] : await ctx.registry.staffingList(query, resolved);
    const facilities = await Promise.all(rows.map((r) => ctx.registryLoaders.facility.load(r.facilityId)));
    const items = rows.map((r, i) => Object.assign(new FacilityStaffing(), { facility: Facility.from(facilities[i]!), staffing: Staffing.from(r) }));
    return FacilityStaffingConnectionTypes.build(items, resolved, (s) => s.facility.record.id, () => ctx.registry.countStaffing(query));
  }

  @Query(() => [ReferenceEntry], { description: '特殊群体类别: the special categories an elder may hold (reference data).' })
  async specialCategories(@Ctx() ctx: Context): Promise<ReferenceEntry[]> {
    ctx.viewer.require('registry:read');
    return (await ctx.registry.categories()).map((r) => Object.assign(new ReferenceEntry(), r));
  }

  @Query(() => [ReferenceEntry], { description: '设施类型: facility types (reference data).' })
  async facilityTypes(@Ctx() ctx: Context): Promise<ReferenceEntry[]> {
    ctx.viewer.require('registry:read');
    return (await ctx.registry.facilityTypes()).map((r) => Object.assign(new ReferenceEntry(), r));
  }

  @Query(() => [ServiceType], { description: '服务类型: configurable service types (the six assists 六助 are bundle SIX_ASSISTS).' })
  async serviceTypes(@Ctx() ctx: Context): Promise<ServiceType[]> {
    ctx.viewer.require('registry:read');
    return (await ctx.registry.serviceTypes()).map((r) => Object.assign(new ServiceType(), r));
  }

  @Query(() => AccessLogConnection, { description: '个人信息查阅日志: clear-text accesses to personal data of records in your jurisdiction, and exports of its books (needs access-log:read).' })
  async accessLog(
    @Arg('filter', () => AccessLogFilterInput, { nullable: true, description: 'Which access-log entries (by subject, record, time).' }) filter: AccessLogFilterInput | null,
    @Args(() => PageArgs) args: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<AccessLogConnection> {
    ctx.viewer.require('access-log:read');
    const resolved = page(args);
    let entityType: string | null = null;
    let entityId: string | null = null;
    if (filter?.entityId) {
      const decoded = fromGlobalId(filter.entityId);
      if (!['Elder', 'Caregiver'].includes(decoded.type) || !isId(decoded.key)) throw badUserInput('entityId must be an Elder or Caregiver id', 'filter.entityId');
      entityType = decoded.type;
      entityId = decoded.key;
    }
    const ts = (value: string | null | undefined, field: string) => (value == null ? null : v.isoDateTime(value, field));
    const subject = filter?.subject == null ? null : v.text(filter.subject, 'filter.subject', 200);
    const query = { scopePrefix: ctx.viewer.scopePrefix, subject, entityType, entityId, from: ts(filter?.from, 'filter.from'), to: ts(filter?.to, 'filter.to') };
    const rows = resolved.first === 0 ? [] : await ctx.registry.accessLog(query, resolved);
    return AccessLogConnectionTypes.build(rows.map(AccessLogEntry.from), resolved, (e) => e.recordId, () => ctx.registry.countAccessLog(query));
  }

  // ---- mutations ----

  @Mutation(() => Elder, { description: 'Register an elder (needs registry:write in the household village). A registered ID number → ALREADY_EXISTS.' })
  async registerElder(@Arg('input', () => RegisterElderInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RegisterElderInput, @Ctx() ctx: Context): Promise<Elder> {
    ctx.viewer.require('registry:write');
    ctx.viewer.requireInScope(input.hukouVillageCode, 'household village');
    return Elder.from(await ctx.registry.registerElder(input, ctx.viewer.subject));
  }

  @Mutation(() => Elder, { description: 'Change an elder’s name, phone or villages (registry:write).' })
  async updateElder(@Arg('id', () => ID, { description: 'Global id of the elder to change.' }) id: string, @Arg('input', () => UpdateElderInput, { description: 'The mutation’s input (each field described on its input type).' }) input: UpdateElderInput, @Ctx() ctx: Context): Promise<Elder> {
    const e = await elderRecord(ctx, id, 'id', 'registry:write');
    if (input.hukouVillageCode != null) {
      // Moving a household registration takes the record from one household county to another: both must be the caller's.
      ctx.viewer.requireInScope(e.hukouVillageCode, 'current household village');
      ctx.viewer.requireInScope(input.hukouVillageCode, 'household village');
    }
    return Elder.from(await ctx.registry.updateElder(e.id, input, ctx.viewer.subject));
  }

  @Mutation(() => CategoryMembership, { description: 'Append a special-category membership (registry:verify).' })
  async addElderCategory(@Arg('input', () => AddCategoryInput, { description: 'The mutation’s input (each field described on its input type).' }) input: AddCategoryInput, @Ctx() ctx: Context): Promise<CategoryMembership> {
    const e = await elderRecord(ctx, input.elderId, 'elderId', 'registry:verify');
    return CategoryMembership.from(await ctx.registry.addCategory({ ...input, elderId: e.id }, ctx.viewer.subject));
  }

  @Mutation(() => CategoryMembership, { description: 'End a membership by appending an end record (registry:verify).' })
  async endElderCategory(@Arg('input', () => EndCategoryInput, { description: 'The mutation’s input (each field described on its input type).' }) input: EndCategoryInput, @Ctx() ctx: Context): Promise<CategoryMembership> {
    ctx.viewer.require('registry:verify');
    const membershipId = internalId(input.membershipId, 'CategoryMembership', 'membershipId');
    const existing = (await ctx.registry.membershipsById([membershipId])).get(membershipId);
    if (!existing) throw badUserInput('no such membership', 'membershipId');
    const elder = await ctx.registryLoaders.elder.load(existing.elderId);
    requireElder(ctx.viewer, elder!, 'registry:verify');
    return CategoryMembership.from(await ctx.registry.endCategory({ ...input, membershipId }, ctx.viewer.subject));
  }

  @Mutation(() => VitalEvent, { description: 'Append a vital-status report: death with date and source, or alive (registry:verify).' })
  async recordVitalStatus(@Arg('input', () => RecordVitalStatusInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RecordVitalStatusInput, @Ctx() ctx: Context): Promise<VitalEvent> {
    const e = await elderRecord(ctx, input.elderId, 'elderId', 'registry:verify');
    return VitalEvent.from(await ctx.registry.recordVitalStatus({ ...input, elderId: e.id, source: input.source as never }, ctx.viewer.subject));
  }

  @Mutation(() => Assessment, { description: 'Record a GB/T 42195-2022 capability assessment; the level is computed (registry:write).' })
  async recordAssessment(@Arg('input', () => RecordAssessmentInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RecordAssessmentInput, @Ctx() ctx: Context): Promise<Assessment> {
    const e = await elderRecord(ctx, input.elderId, 'elderId', 'registry:write');
    const { items, ...rest } = input;
    return Assessment.from(
      await ctx.registry.recordAssessment(
        { ...rest, elderId: e.id, items: { ...items }, diagnoses: input.diagnoses ?? [], riskEventCount: input.riskEventCount ?? 0 },
        ctx.viewer.subject,
      ),
    );
  }

  @Mutation(() => Facility, { description: 'Register a facility (registry:write in its village).' })
  async registerFacility(@Arg('input', () => RegisterFacilityInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RegisterFacilityInput, @Ctx() ctx: Context): Promise<Facility> {
    ctx.viewer.require('registry:write');
    ctx.viewer.requireInScope(input.villageCode, 'village');
    return Facility.from(await ctx.registry.registerFacility(input, ctx.viewer.subject));
  }

  @Mutation(() => Facility, { description: 'Change a facility (registry:write).' })
  async updateFacility(@Arg('id', () => ID, { description: 'Global id of the facility to change.' }) id: string, @Arg('input', () => UpdateFacilityInput, { description: 'The mutation’s input (each field described on its input type).' }) input: UpdateFacilityInput, @Ctx() ctx: Context): Promise<Facility> {
    const f = await facilityRecord(ctx, id, 'id', 'registry:write');
    if (input.villageCode != null) ctx.viewer.requireInScope(input.villageCode, 'village');
    return Facility.from(await ctx.registry.updateFacility(f.id, input, ctx.viewer.subject));
  }

  @Mutation(() => FacilityRating, { description: 'Append a star rating (registry:write).' })
  async rateFacility(@Arg('input', () => RateFacilityInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RateFacilityInput, @Ctx() ctx: Context): Promise<FacilityRating> {
    const f = await facilityRecord(ctx, input.facilityId, 'facilityId', 'registry:write');
    return FacilityRating.from(await ctx.registry.rateFacility({ ...input, facilityId: f.id }, ctx.viewer.subject));
  }

  @Mutation(() => BedInventory, { description: 'Append a bed-inventory snapshot (registry:write).' })
  async recordBedInventory(@Arg('input', () => RecordBedInventoryInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RecordBedInventoryInput, @Ctx() ctx: Context): Promise<BedInventory> {
    const f = await facilityRecord(ctx, input.facilityId, 'facilityId', 'registry:write');
    return BedInventory.from(await ctx.registry.recordBedInventory({ ...input, facilityId: f.id }, ctx.viewer.subject));
  }

  @Mutation(() => Caregiver, { description: 'Register a caregiver (registry:write in the region).' })
  async registerCaregiver(@Arg('input', () => RegisterCaregiverInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RegisterCaregiverInput, @Ctx() ctx: Context): Promise<Caregiver> {
    ctx.viewer.require('registry:write');
    const regionCode = v.regionCode(input.regionCode, 'regionCode');
    ctx.viewer.requireInScope(regionCode, 'region');
    return Caregiver.from(await ctx.registry.registerCaregiver({ ...input, regionCode }, ctx.viewer.subject));
  }

  @Mutation(() => StaffAssignment, { description: 'Assign a caregiver to a facility for a month (registry:write; both in your jurisdiction).' })
  async assignCaregiver(@Arg('input', () => AssignCaregiverInput, { description: 'The mutation’s input (each field described on its input type).' }) input: AssignCaregiverInput, @Ctx() ctx: Context): Promise<StaffAssignment> {
    const f = await facilityRecord(ctx, input.facilityId, 'facilityId', 'registry:write');
    const c = await ctx.registryLoaders.caregiver.load(internalId(input.caregiverId, 'Caregiver', 'caregiverId'));
    if (!c) throw badUserInput('no such caregiver', 'caregiverId');
    requireCaregiver(ctx.viewer, c, 'registry:write');
    return StaffAssignment.from(await ctx.registry.assignCaregiver({ ...input, caregiverId: c.id, facilityId: f.id }, ctx.viewer.subject));
  }

  @Mutation(() => Stay, { description: 'Admit an elder to a facility; an overlapping stay → STAY_OVERLAP (registry:write; both in your jurisdiction).' })
  async admitElder(@Arg('input', () => AdmitInput, { description: 'The mutation’s input (each field described on its input type).' }) input: AdmitInput, @Ctx() ctx: Context): Promise<Stay> {
    const f = await facilityRecord(ctx, input.facilityId, 'facilityId', 'registry:write');
    const e = await elderRecord(ctx, input.elderId, 'elderId', 'registry:write');
    return Stay.from(await ctx.registry.admit({ ...input, elderId: e.id, facilityId: f.id }, ctx.viewer.subject));
  }

  @Mutation(() => Stay, { description: 'End an open stay (registry:write at the facility).' })
  async dischargeElder(@Arg('input', () => DischargeInput, { description: 'The mutation’s input (each field described on its input type).' }) input: DischargeInput, @Ctx() ctx: Context): Promise<Stay> {
    ctx.viewer.require('registry:write');
    const stay = await ctx.registryLoaders.stay.load(internalId(input.stayId, 'Stay', 'stayId'));
    if (!stay) throw badUserInput('no such stay', 'stayId');
    const facility = await ctx.registryLoaders.facility.load(stay.facilityId);
    requireFacility(ctx.viewer, facility!, 'registry:write');
    return Stay.from(await ctx.registry.discharge({ stayId: stay.id, dischargedOn: input.dischargedOn }, ctx.viewer.subject));
  }

  @Mutation(() => ServiceType, { description: 'Add or change a service type of the city’s configurable list (registry:write with a city-wide or wider jurisdiction).' })
  async defineServiceType(@Arg('input', () => DefineServiceTypeInput, { description: 'The mutation’s input (each field described on its input type).' }) input: DefineServiceTypeInput, @Ctx() ctx: Context): Promise<ServiceType> {
    ctx.viewer.require('registry:write');
    if (ctx.viewer.scopePrefix.length > 4) throw forbidden('the service-type list is the city’s: it needs a city-wide jurisdiction');
    return Object.assign(new ServiceType(), await ctx.registry.defineServiceType(input));
  }

  @Mutation(() => ServiceRecord, { description: 'Record a service delivered to an elder (registry:verify; the elder in your jurisdiction).' })
  async recordService(@Arg('input', () => RecordServiceInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RecordServiceInput, @Ctx() ctx: Context): Promise<ServiceRecord> {
    const e = await elderRecord(ctx, input.elderId, 'elderId', 'registry:verify');
    // Nobody attributes subsidised services to a provider outside their reach: the facility must lie in the
    // caller's jurisdiction — for a town or village caller, in its county (a meal point or day-care centre in
    // the next town serves the villages around it; it is recorded against, not shown to, the verifier).
    const provider = await ctx.registryLoaders.facility.load(internalId(input.facilityId, 'Facility', 'facilityId'));
    if (!provider) throw new DomainError('NOT_FOUND', 'no such facility', 'facilityId');
    const reach = ctx.viewer.scopePrefix.length > 6 ? ctx.viewer.scopePrefix.slice(0, 6) : ctx.viewer.scopePrefix;
    if (!provider.villageCode.startsWith(reach)) throw forbidden(`facility ${facilityNo(provider.id)} is outside the county or jurisdiction you record services for`);
    const facilityId = provider.id;
    // The Money rule (api/scalars.ts), on a field typed String: digits, no superfluous leading zeros.
    if (input.unitPrice != null && !/^(0|[1-9][0-9]{0,11})$/.test(input.unitPrice)) throw badUserInput('unitPrice must be fen as a string of digits without leading zeros', 'unitPrice');
    return ServiceRecord.from(
      await ctx.registry.recordService(
        { ...input, elderId: e.id, facilityId, unitPriceFen: input.unitPrice == null ? null : BigInt(input.unitPrice) },
        ctx.viewer.subject,
      ),
    );
  }
}

// ---- Elder fields ---------------------------------------------------------------------------------

@Resolver(() => Elder)
export class ElderResolver {
  @FieldResolver(() => ElderPersonalData, {
    nullable: true,
    description:
      'Clear personal values (needs personal:unmask; `reason` is required). Reading them writes one access-log row per elder, ' +
      'naming the fields selected, in the same database transaction as the read. Null with a FORBIDDEN error without the permission.',
  })
  async personal(@Root() elder: Elder, @Arg('reason', { description: '查看理由: why personal data is needed in clear; written to the access log (PERSONAL_DATA_IN_TEXT refuses ID and phone numbers).' }) reason: string, @Info() info: GraphQLResolveInfo, @Ctx() ctx: Context): Promise<ElderPersonalData> {
    ctx.viewer.require('personal:unmask');
    if (typeof reason !== 'string' || reason.trim().length === 0) throw badUserInput('a reason is required to see personal data', 'reason');
    if (reason.trim().length > 500) throw badUserInput('reason must be at most 500 characters', 'reason');
    requireElder(ctx.viewer, elder.record, 'personal:unmask');
    const wanted = [...selectedFields(info)].filter((f): f is PersonalField => ['idNumber', 'name', 'phone', 'birthDate'].includes(f)).sort();
    if (!wanted.length) return new ElderPersonalData();
    const clear = await ctx.registryLoaders.unmaskElder(elder.record.id, wanted, reason.trim(), actorOf(ctx), ctx.viewer.scopePrefix);
    if (!clear) throw forbidden('elder is outside your jurisdiction');
    return Object.assign(new ElderPersonalData(), clear);
  }

  @FieldResolver(() => Region, { nullable: true, description: '户籍地 village.' })
  async hukouVillage(@Root() elder: Elder, @Ctx() ctx: Context): Promise<Region | null> {
    const r = await ctx.loaders.regionByCode.load(elder.hukouVillageCode);
    return r ? Region.from(r) : null;
  }

  @FieldResolver(() => Region, { nullable: true, description: '居住地 village.' })
  async residenceVillage(@Root() elder: Elder, @Ctx() ctx: Context): Promise<Region | null> {
    const r = await ctx.loaders.regionByCode.load(elder.residenceVillageCode);
    return r ? Region.from(r) : null;
  }

  @FieldResolver(() => Int, { description: '年龄: completed years on asOf (today when omitted), or at death. Without personal:unmask, at the end of asOf’s month (the birth day stays masked).' })
  async age(@Root() elder: Elder, @Arg('asOf', () => String, { nullable: true, description: 'Date (YYYY-MM-DD) to compute the age at; default today in China.' }) asOf: string | null, @Ctx() ctx: Context): Promise<number> {
    const date = dateArg(asOf, 'asOf');
    const death = await deathDateOf(ctx, elder.record.id);
    return ageAt(elder.record.birthDate, ageDate(ctx, death && death < date ? death : date));
  }

  @FieldResolver(() => AgeBand, { nullable: true, description: 'Service age band on asOf; null below 60 or after death.' })
  async ageBand(@Root() elder: Elder, @Arg('asOf', () => String, { nullable: true, description: 'Date (YYYY-MM-DD) to compute the band at; default today in China.' }) asOf: string | null, @Ctx() ctx: Context): Promise<string | null> {
    const date = dateArg(asOf, 'asOf');
    const death = await deathDateOf(ctx, elder.record.id);
    if (death && death <= date) return null;
    return ageBand(ageAt(elder.record.birthDate, ageDate(ctx, date)));
  }

  @FieldResolver(() => AllowanceBand, { nullable: true, description: '尊老金 band for the month of asOf (from the month after the birthday); null below 80 or after death.' })
  async allowanceBand(@Root() elder: Elder, @Arg('asOf', () => String, { nullable: true, description: 'Date (YYYY-MM-DD) to compute the band at; default today in China.' }) asOf: string | null, @Ctx() ctx: Context): Promise<string | null> {
    const date = dateArg(asOf, 'asOf');
    const [death, categories] = await Promise.all([deathDateOf(ctx, elder.record.id), categoriesOn(ctx, elder.record.id, date)]);
    return allowanceBand(elder.record.birthDate, date, categories, death);
  }

  @FieldResolver(() => [CategoryMembership], { description: 'Special-category memberships valid on asOf (today when omitted); all of them, ended ones included, with `history: true`.' })
  async categories(
    @Root() elder: Elder,
    @Arg('asOf', () => String, { nullable: true, description: 'Only memberships valid on this date (YYYY-MM-DD); default today.' }) asOf: string | null,
    @Arg('history', () => Boolean, { defaultValue: false, description: 'All memberships, ended ones too (asOf is then ignored).' }) history: boolean,
    @Ctx() ctx: Context,
  ): Promise<CategoryMembership[]> {
    const date = dateArg(asOf, 'asOf');
    const all = await ctx.registryLoaders.memberships.load(elder.record.id);
    return all.filter((m) => history || (m.validFrom <= date && (m.validTo == null || m.validTo >= date))).map(CategoryMembership.from);
  }

  @FieldResolver(() => [RecordChange], { description: 'Changes of name, phone or villages: fields, time and author (not the values), oldest first.' })
  async changes(@Root() elder: Elder, @Ctx() ctx: Context): Promise<RecordChange[]> {
    return (await ctx.registryLoaders.elderChanges.load(elder.record.id)).map((c) => Object.assign(new RecordChange(), c));
  }

  @FieldResolver(() => VitalStatus, { description: 'Current vital status: the latest report; ALIVE when none.' })
  async vitalStatus(@Root() elder: Elder, @Ctx() ctx: Context): Promise<string> {
    return currentVital(await ctx.registryLoaders.vitalEvents.load(elder.record.id))?.status ?? 'ALIVE';
  }

  @FieldResolver(() => String, { nullable: true, description: '死亡日期 per the latest report, if it reports death.' })
  async deathDate(@Root() elder: Elder, @Ctx() ctx: Context): Promise<string | null> {
    return deathDateOf(ctx, elder.record.id);
  }

  @FieldResolver(() => [VitalEvent], { description: 'Every vital-status report, oldest first.' })
  async vitalHistory(@Root() elder: Elder, @Ctx() ctx: Context): Promise<VitalEvent[]> {
    return (await ctx.registryLoaders.vitalEvents.load(elder.record.id)).map(VitalEvent.from);
  }

  @FieldResolver(() => Assessment, { nullable: true, description: 'The current assessment: the latest (by date) assessed on or before asOf and still valid then.' })
  async currentAssessment(@Root() elder: Elder, @Arg('asOf', () => String, { nullable: true, description: 'The assessment in force on this date (YYYY-MM-DD); default today.' }) asOf: string | null, @Ctx() ctx: Context): Promise<Assessment | null> {
    const date = dateArg(asOf, 'asOf');
    const valid = (await ctx.registryLoaders.assessments.load(elder.record.id)).filter((a) => a.assessedOn <= date && (a.validUntil == null || a.validUntil >= date));
    const latest = valid.at(-1);
    return latest ? Assessment.from(latest) : null;
  }

  @FieldResolver(() => [Assessment], { description: 'Every assessment, oldest first (never overwritten).' })
  async assessments(@Root() elder: Elder, @Ctx() ctx: Context): Promise<Assessment[]> {
    return (await ctx.registryLoaders.assessments.load(elder.record.id)).map(Assessment.from);
  }

  @FieldResolver(() => StayConnection, { description: 'Stays in facilities, in recording order (the facility of a stay outside your jurisdiction is FORBIDDEN to follow).' })
  async stays(@Root() elder: Elder, @Args(() => StaysArgs) args: StaysArgs, @Ctx() ctx: Context): Promise<StayConnection> {
    const resolved = page(args);
    const activeOn = args.activeOn == null ? null : v.isoDate(args.activeOn, 'activeOn');
    const rows = resolved.first === 0 ? [] : await ctx.registryLoaders.stays.load(elder.record.id, { by: 'elder', activeOn, page: resolved });
    return StayConnectionTypes.build(rows.map(Stay.from), resolved, (s) => s.record.id, () => ctx.registryLoaders.stayCounts.load(elder.record.id, { by: 'elder', activeOn }));
  }

  @FieldResolver(() => ServiceRecordConnection, { description: 'Services received, in recording order.' })
  async serviceRecords(@Root() elder: Elder, @Args(() => ServicesArgs) args: ServicesArgs, @Ctx() ctx: Context): Promise<ServiceRecordConnection> {
    const resolved = page(args);
    const serviceType = args.serviceType ?? null;
    const rows = resolved.first === 0 ? [] : await ctx.registryLoaders.services.load(elder.record.id, { by: 'elder', serviceType, page: resolved });
    return ServiceRecordConnectionTypes.build(rows.map(ServiceRecord.from), resolved, (s) => s.record.id, () => ctx.registryLoaders.serviceCounts.load(elder.record.id, { by: 'elder', serviceType }));
  }

  @FieldResolver(() => LedgerTransactionConnection, { nullable: true, description: 'Ledger transactions paying this elder (payee PERSON, payee id = registryNo), in chain order (needs ledger:read; null with a FORBIDDEN error without it).' })
  async payments(@Root() elder: Elder, @Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context): Promise<LedgerTransactionConnection> {
    ctx.viewer.require('ledger:read');
    return paymentsOf(ctx, 'PERSON', elder.registryNo, args);
  }
}

/**
 * Payments to a payee, in chain order — only those the caller may see as ledger transactions (paid by,
 * or counterpart in, their jurisdiction). Batched: a page of 50 elders costs one statement, not 50.
 */
async function paymentsOf(ctx: Context, payeeType: 'PERSON' | 'FACILITY', payeeId: string, args: PageArgs): Promise<LedgerTransactionConnection> {
  const resolved = seqPage(args);
  const rows = resolved.first === 0 ? [] : await ctx.loaders.payments.load({ owner: payeeId, page: resolved, extra: payeeType });
  return LedgerTransactionConnectionTypes.build(rows.map(LedgerTransaction.from), resolved, (t) => t.seq, () => ctx.loaders.paymentCounts.load(payeeId, payeeType));
}

@Resolver(() => Assessment)
export class AssessmentResolver {
  @FieldResolver(() => AssessmentDetails, { nullable: true, description: 'Item scores, subtotals, total, diagnoses, adjustments — health data, needs health:read (null with a FORBIDDEN error without it).' })
  details(@Root() assessment: Assessment, @Ctx() ctx: Context): AssessmentDetails {
    ctx.viewer.require('health:read');
    return assessment.details();
  }

  @FieldResolver(() => Elder, { nullable: true, description: 'The elder assessed (null with a FORBIDDEN error outside your jurisdiction).' })
  async elder(@Root() assessment: Assessment, @Ctx() ctx: Context): Promise<Elder> {
    const e = await ctx.registryLoaders.elder.load(assessment.record.elderId);
    requireElder(ctx.viewer, e!);
    return Elder.from(e!);
  }
}

// ---- Facility fields ------------------------------------------------------------------------------

@Resolver(() => Facility)
export class FacilityResolver {
  @FieldResolver(() => Region, { nullable: true, description: 'The village (or community) the facility is in.' })
  async village(@Root() facility: Facility, @Ctx() ctx: Context): Promise<Region | null> {
    const r = await ctx.loaders.regionByCode.load(facility.villageCode);
    return r ? Region.from(r) : null;
  }

  @FieldResolver(() => ReferenceEntry, { nullable: true, description: 'The facility type with its names.' })
  async typeInfo(@Root() facility: Facility, @Ctx() ctx: Context): Promise<ReferenceEntry | null> {
    const all = await ctx.registryLoaders.facilityTypes();
    const found = all.find((t) => t.code === facility.type);
    return found ? Object.assign(new ReferenceEntry(), found) : null;
  }

  @FieldResolver(() => FacilityRating, { nullable: true, description: 'The star rating valid on asOf (today when omitted): the latest rated on or before it and not expired.' })
  async rating(@Root() facility: Facility, @Arg('asOf', () => String, { nullable: true, description: 'The rating valid on this date (YYYY-MM-DD); default today.' }) asOf: string | null, @Ctx() ctx: Context): Promise<FacilityRating | null> {
    const date = dateArg(asOf, 'asOf');
    const valid = (await ctx.registryLoaders.ratings.load(facility.record.id)).filter((r) => r.ratedOn <= date && (r.validUntil == null || r.validUntil >= date));
    const latest = valid.at(-1);
    return latest ? FacilityRating.from(latest) : null;
  }

  @FieldResolver(() => [RecordChange], { description: 'Changes of the facility record: fields, time and author, oldest first.' })
  async changes(@Root() facility: Facility, @Ctx() ctx: Context): Promise<RecordChange[]> {
    return (await ctx.registryLoaders.facilityChanges.load(facility.record.id)).map((c) => Object.assign(new RecordChange(), c));
  }

  @FieldResolver(() => [FacilityRating], { description: 'Every rating, oldest first.' })
  async ratingHistory(@Root() facility: Facility, @Ctx() ctx: Context): Promise<FacilityRating[]> {
    return (await ctx.registryLoaders.ratings.load(facility.record.id)).map(FacilityRating.from);
  }

  @FieldResolver(() => BedInventory, { nullable: true, description: 'The latest bed-inventory snapshot on or before asOf.' })
  async beds(@Root() facility: Facility, @Arg('asOf', () => String, { nullable: true, description: 'The bed snapshot in force on this date (YYYY-MM-DD); default today.' }) asOf: string | null, @Ctx() ctx: Context): Promise<BedInventory | null> {
    const date = dateArg(asOf, 'asOf');
    const latest = (await ctx.registryLoaders.beds.load(facility.record.id)).filter((b) => b.asOf <= date).at(-1);
    return latest ? BedInventory.from(latest) : null;
  }

  @FieldResolver(() => [BedInventory], { description: 'Every bed-inventory snapshot, oldest first.' })
  async bedHistory(@Root() facility: Facility, @Ctx() ctx: Context): Promise<BedInventory[]> {
    return (await ctx.registryLoaders.beds.load(facility.record.id)).map(BedInventory.from);
  }

  @FieldResolver(() => Staffing, { description: 'The 1:10 certified-caregiver ratio for a month (YYYY-MM; this month when omitted).' })
  async staffing(@Root() facility: Facility, @Arg('month', () => String, { nullable: true, description: 'Month YYYY-MM; default the current month in China.' }) month: string | null, @Ctx() ctx: Context): Promise<Staffing> {
    const m = monthArg(month, 'month');
    return Staffing.from((await ctx.registryLoaders.staffing.load(facility.record.id, m)) ?? staffingOf(facility.record.id, m, 0, 0, 0));
  }

  @FieldResolver(() => [StaffAssignment], { description: 'Staff assigned for a month (YYYY-MM; this month when omitted).' })
  async staffAssignments(@Root() facility: Facility, @Arg('month', () => String, { nullable: true, description: 'Month YYYY-MM; default the current month in China.' }) month: string | null, @Ctx() ctx: Context): Promise<StaffAssignment[]> {
    return (await ctx.registryLoaders.facilityAssignments.load(facility.record.id, monthArg(month, 'month'))).map(StaffAssignment.from);
  }

  @FieldResolver(() => StayConnection, { description: 'Stays (residents), in recording order; `activeOn` for those living there on a date.' })
  async stays(@Root() facility: Facility, @Args(() => StaysArgs) args: StaysArgs, @Ctx() ctx: Context): Promise<StayConnection> {
    const resolved = page(args);
    const activeOn = args.activeOn == null ? null : v.isoDate(args.activeOn, 'activeOn');
    const rows = resolved.first === 0 ? [] : await ctx.registryLoaders.stays.load(facility.record.id, { by: 'facility', activeOn, page: resolved });
    return StayConnectionTypes.build(rows.map(Stay.from), resolved, (s) => s.record.id, () => ctx.registryLoaders.stayCounts.load(facility.record.id, { by: 'facility', activeOn }));
  }

  @FieldResolver(() => ServiceRecordConnection, { description: 'Services provided, in recording order.' })
  async serviceRecords(@Root() facility: Facility, @Args(() => ServicesArgs) args: ServicesArgs, @Ctx() ctx: Context): Promise<ServiceRecordConnection> {
    const resolved = page(args);
    const serviceType = args.serviceType ?? null;
    const rows = resolved.first === 0 ? [] : await ctx.registryLoaders.services.load(facility.record.id, { by: 'facility', serviceType, page: resolved });
    return ServiceRecordConnectionTypes.build(rows.map(ServiceRecord.from), resolved, (s) => s.record.id, () => ctx.registryLoaders.serviceCounts.load(facility.record.id, { by: 'facility', serviceType }));
  }

  @FieldResolver(() => LedgerTransactionConnection, { nullable: true, description: 'Ledger transactions paying this facility (payee FACILITY, payee id = registryNo), in chain order (needs ledger:read; null with a FORBIDDEN error without it).' })
  async payments(@Root() facility: Facility, @Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context): Promise<LedgerTransactionConnection> {
    ctx.viewer.require('ledger:read');
    return paymentsOf(ctx, 'FACILITY', facility.registryNo, args);
  }
}

// ---- Caregiver, StaffAssignment, Stay, ServiceRecord fields ----------------------------------------------

@Resolver(() => Caregiver)
export class CaregiverResolver {
  @FieldResolver(() => CaregiverPersonalData, { nullable: true, description: 'The clear name (needs personal:unmask and a reason; logged).' })
  async personal(@Root() caregiver: Caregiver, @Arg('reason', { description: '查看理由: why personal data is needed in clear; written to the access log (PERSONAL_DATA_IN_TEXT refuses ID and phone numbers).' }) reason: string, @Ctx() ctx: Context): Promise<CaregiverPersonalData> {
    ctx.viewer.require('personal:unmask');
    if (typeof reason !== 'string' || reason.trim().length === 0) throw badUserInput('a reason is required to see personal data', 'reason');
    requireCaregiver(ctx.viewer, caregiver.record, 'personal:unmask');
    const clear = await ctx.registryLoaders.unmaskCaregiver(caregiver.record.id, reason.trim(), actorOf(ctx), ctx.viewer.scopePrefix);
    if (!clear) throw forbidden('caregiver is outside your jurisdiction');
    return Object.assign(new CaregiverPersonalData(), clear);
  }

  @FieldResolver(() => [StaffAssignment], { description: 'Monthly assignments, oldest first (at facilities in your jurisdiction).' })
  async assignments(@Root() caregiver: Caregiver, @Ctx() ctx: Context): Promise<StaffAssignment[]> {
    // A caregiver of the county may also work at facilities elsewhere: those assignments are not the caller's.
    const assignments = await ctx.registryLoaders.caregiverAssignments.load(caregiver.record.id);
    const facilities = await ctx.registryLoaders.facility.loadMany(assignments.map((a) => a.facilityId));
    return assignments.filter((_, i) => { const f = facilities[i]; return f && !(f instanceof Error) && ctx.viewer.inScope(f.villageCode); }).map(StaffAssignment.from);
  }
}

@Resolver(() => StaffAssignment)
export class StaffAssignmentResolver {
  @FieldResolver(() => Caregiver, { nullable: true, description: 'Visible when the assignment’s facility or the caregiver’s region is in your jurisdiction; otherwise null with a FORBIDDEN error.' })
  async caregiver(@Root() a: StaffAssignment, @Ctx() ctx: Context): Promise<Caregiver> {
    const [c, f] = await Promise.all([ctx.registryLoaders.caregiver.load(a.record.caregiverId), ctx.registryLoaders.facility.load(a.record.facilityId)]);
    // A facility's roster shows its caregivers, wherever they are registered.
    if (!(f && ctx.viewer.inScope(f.villageCode))) requireCaregiver(ctx.viewer, c!);
    return Caregiver.from(c!);
  }

  @FieldResolver(() => Facility, { nullable: true, description: 'Null with a FORBIDDEN error outside your jurisdiction.' })
  async facility(@Root() a: StaffAssignment, @Ctx() ctx: Context): Promise<Facility> {
    const f = await ctx.registryLoaders.facility.load(a.record.facilityId);
    requireFacility(ctx.viewer, f!);
    return Facility.from(f!);
  }
}

@Resolver(() => Stay)
export class StayResolver {
  @FieldResolver(() => Elder, { nullable: true, description: 'The resident; null with a FORBIDDEN error when outside your jurisdiction.' })
  async elder(@Root() s: Stay, @Ctx() ctx: Context): Promise<Elder> {
    const e = await ctx.registryLoaders.elder.load(s.record.elderId);
    requireElder(ctx.viewer, e!);
    return Elder.from(e!);
  }

  @FieldResolver(() => Facility, { nullable: true, description: 'The facility; null with a FORBIDDEN error when outside your jurisdiction.' })
  async facility(@Root() s: Stay, @Ctx() ctx: Context): Promise<Facility> {
    const f = await ctx.registryLoaders.facility.load(s.record.facilityId);
    requireFacility(ctx.viewer, f!);
    return Facility.from(f!);
  }
}

@Resolver(() => ServiceRecord)
export class ServiceRecordResolver {
  @FieldResolver(() => Elder, { nullable: true, description: 'The elder served; null with a FORBIDDEN error when outside your jurisdiction.' })
  async elder(@Root() r: ServiceRecord, @Ctx() ctx: Context): Promise<Elder> {
    const e = await ctx.registryLoaders.elder.load(r.record.elderId);
    requireElder(ctx.viewer, e!);
    return Elder.from(e!);
  }

  @FieldResolver(() => Facility, { nullable: true, description: 'The provider; null with a FORBIDDEN error when outside your jurisdiction.' })
  async provider(@Root() r: ServiceRecord, @Ctx() ctx: Context): Promise<Facility> {
    const f = await ctx.registryLoaders.facility.load(r.record.facilityId);
    requireFacility(ctx.viewer, f!);
    return Facility.from(f!);
  }

  @FieldResolver(() => ServiceType, { nullable: true, description: 'The service type’s reference entry (names, bundles).' })
  async serviceTypeInfo(@Root() r: ServiceRecord, @Ctx() ctx: Context): Promise<ServiceType | null> {
    const found = (await ctx.registryLoaders.serviceTypes()).find((t) => t.code === r.serviceType);
    return found ? Object.assign(new ServiceType(), found) : null;
  }
}

// ---- ledger payee links ------------------------------------------------------------------------------

export const Payee = createUnionType({
  name: 'Payee',
  description: 'The registry record a disbursement pays: an Elder (payee PERSON) or a Facility (payee FACILITY), by registry number.',
  types: () => [Elder, Facility] as const,
});

@Resolver(() => LedgerTransaction)
export class LedgerPayeeResolver {
  @FieldResolver(() => Payee, {
    nullable: true,
    description: 'The payee as a registry record (payeeId = Elder.registryNo or Facility.registryNo); null when the payee is not in the registry; FORBIDDEN outside your jurisdiction.',
  })
  async payee(@Root() t: LedgerTransaction, @Ctx() ctx: Context): Promise<Elder | Facility | null> {
    if (!t.payeeId || !t.payeeType) return null;
    const ref = parseRegistryNo(t.payeeId);
    if (!ref) return null;
    ctx.viewer.require('registry:read');
    if (t.payeeType === 'PERSON' && ref.kind === 'ELDER') {
      const e = await ctx.registryLoaders.elder.load(ref.id);
      if (!e) return null;
      requireElder(ctx.viewer, e);
      return Elder.from(e);
    }
    if (t.payeeType === 'FACILITY' && ref.kind === 'FACILITY') {
      const f = await ctx.registryLoaders.facility.load(ref.id);
      if (!f) return null;
      requireFacility(ctx.viewer, f);
      return Facility.from(f);
    }
    return null;
  }
}

export const registryResolvers = [
  RegistryResolver,
  ElderResolver,
  AssessmentResolver,
  FacilityResolver,
  CaregiverResolver,
  StaffAssignmentResolver,
  StayResolver,
  ServiceRecordResolver,
  LedgerPayeeResolver,
] as const;
