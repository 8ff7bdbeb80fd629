/**
 * The registry's writes for a caller: each command checks the permission, then the scope of every
 * village and record it names (access.ts), then calls the writer. The API's mutations are one call
 * each (api/registry/registry.resolver.ts); scripts that act for a person can use the same.
 *
 * The order of the checks is part of the contract (clients and tests see the first error): the
 * permission, then each named record in the order the input names it — its id (BAD_USER_INPUT when
 * malformed), NOT_FOUND, FORBIDDEN — then the values. That is why ids arrive as the caller wrote
 * them and are decoded by `idOf` where each is first needed: a malformed second id is not reported
 * before the first record's refusal. Every command is async, so a refusal is always a rejected
 * promise, never a synchronous throw.
 */
import { forbidden, type Viewer } from '../auth/viewer.js';
import type { Permission } from '../auth/roles.js';
import { DomainError } from '../platform/errors.js';
import { requireCaregiver, requireElder, requireFacility } from './access.js';
import type { RegistryService } from './registry.js';
import type { CaregiverRecord, ElderRecord, FacilityRecord, StayRecord } from './types.js';
import { facilityNo } from './validate.js';
import * as v from './validate.js';

type Loads<T> = { load(id: string): Promise<T | null> };

/** The batched look-ups the checks need (the API passes its per-request DataLoaders, primed by earlier reads). */
export interface CommandLookup {
  elder: Loads<ElderRecord>;
  facility: Loads<FacilityRecord>;
  caregiver: Loads<CaregiverRecord>;
  stay: Loads<StayRecord>;
}

export type RegistryIdType = 'Elder' | 'Facility' | 'Caregiver' | 'Stay' | 'CategoryMembership';

/** The internal id of a record id as the caller wrote it (the API's global ids); BAD_USER_INPUT naming `field` when malformed. */
export type IdOf = (id: string, type: RegistryIdType, field: string) => string;

/** A writer's input with its record ids as the caller wrote them. */
type Input<M extends keyof RegistryService, Omitted extends string = never> = RegistryService[M] extends (input: infer I, ...rest: never[]) => unknown ? Omit<I, Omitted> : never;

export class RegistryCommands {
  constructor(
    private readonly viewer: Viewer,
    private readonly registry: RegistryService,
    private readonly records: CommandLookup,
    private readonly idOf: IdOf,
  ) {}

  private get actor(): string {
    return this.viewer.subject;
  }

  /** The elder a write names: the permission, the id, NOT_FOUND when absent, FORBIDDEN outside the jurisdiction. */
  private async elder(id: string, field: string, permission: Permission): Promise<ElderRecord> {
    this.viewer.require(permission);
    const record = await this.records.elder.load(this.idOf(id, 'Elder', field));
    if (!record) throw new DomainError('NOT_FOUND', 'no such elder', field);
    requireElder(this.viewer, record, permission);
    return record;
  }

  private async facility(id: string, field: string, permission: Permission): Promise<FacilityRecord> {
    this.viewer.require(permission);
    const record = await this.records.facility.load(this.idOf(id, 'Facility', field));
    if (!record) throw new DomainError('NOT_FOUND', 'no such facility', field);
    requireFacility(this.viewer, record, permission);
    return record;
  }

  /**
   * A village the input names, checked as a record's id is: well-formed (BAD_USER_INPUT naming the
   * field), then in scope (FORBIDDEN) — so a caller learns nothing about villages outside its scope,
   * not even whether they exist.
   */
  private village(code: unknown, field: string, what: string): string {
    const village = v.villageCode(code, field);
    this.viewer.requireInScope(village, what);
    return village;
  }

  // ---- elders ----

  /**
   * Registration belongs to the household village (户籍地); the residence village (居住地) puts the
   * elder in that county's books as well (it verifies, serves and pays residents), so it must be the
   * caller's too — else 丰县 could register an elder "living" in 沛县 whom 沛县's finance could then pay.
   */
  async registerElder(input: Input<'registerElder'>): Promise<ElderRecord> {
    this.viewer.require('registry:write');
    this.village(input.hukouVillageCode, 'hukouVillageCode', 'household village');
    if (input.residenceVillageCode != null) this.village(input.residenceVillageCode, 'residenceVillageCode', 'residence village');
    return this.registry.registerElder(input, this.actor);
  }

  /**
   * The elder must be in scope (either village: access.ts). A move of either village takes the record
   * out of the county it leaves and into the one it enters, so the caller must hold both ends: the
   * current and the new village. Otherwise 沛县, which sees a 丰县 elder living in 沛县, could move the
   * residence to 睢宁, or 丰县 could move it into (or out of) 沛县's books.
   */
  async updateElder(id: string, input: Parameters<RegistryService['updateElder']>[1]): Promise<ElderRecord> {
    const e = await this.elder(id, 'id', 'registry:write');
    const after = { ...e };
    if (input.hukouVillageCode != null) {
      this.viewer.requireInScope(e.hukouVillageCode, 'current household village');
      after.hukouVillageCode = this.village(input.hukouVillageCode, 'hukouVillageCode', 'household village');
    }
    if (input.residenceVillageCode != null) {
      this.viewer.requireInScope(e.residenceVillageCode, 'current residence village');
      after.residenceVillageCode = this.village(input.residenceVillageCode, 'residenceVillageCode', 'residence village');
    }
    // No caller writes a record out of its own sight. The checks above imply it today; this states the
    // rule where a later relaxation of them (say, a move with only the new village in scope) would meet it.
    requireElder(this.viewer, after, 'registry:write');
    return this.registry.updateElder(e.id, input, this.actor);
  }

  async addCategory(input: Input<'addCategory'>) {
    const e = await this.elder(input.elderId, 'elderId', 'registry:verify');
    return this.registry.addCategory({ ...input, elderId: e.id }, this.actor);
  }

  /** Ending a membership is verifying the elder's record: the elder must be in scope. */
  async endCategory(input: Input<'endCategory'>) {
    this.viewer.require('registry:verify');
    const membershipId = this.idOf(input.membershipId, 'CategoryMembership', 'membershipId');
    const existing = (await this.registry.membershipsById([membershipId])).get(membershipId);
    if (!existing) throw new DomainError('BAD_USER_INPUT', 'no such membership', 'membershipId');
    const elder = await this.records.elder.load(existing.elderId);
    requireElder(this.viewer, elder!, 'registry:verify');
    return this.registry.endCategory({ ...input, membershipId }, this.actor);
  }

  async recordVitalStatus(input: Input<'recordVitalStatus'>) {
    const e = await this.elder(input.elderId, 'elderId', 'registry:verify');
    return this.registry.recordVitalStatus({ ...input, elderId: e.id }, this.actor);
  }

  async recordAssessment(input: Input<'recordAssessment'>) {
    const e = await this.elder(input.elderId, 'elderId', 'registry:write');
    return this.registry.recordAssessment({ ...input, elderId: e.id }, this.actor);
  }

  // ---- facilities ----

  async registerFacility(input: Input<'registerFacility'>): Promise<FacilityRecord> {
    this.viewer.require('registry:write');
    this.village(input.villageCode, 'villageCode', 'village');
    return this.registry.registerFacility(input, this.actor);
  }

  /** Moving a facility to another village needs that village in scope too (the village it leaves is the facility's own, checked with it). */
  async updateFacility(id: string, input: Parameters<RegistryService['updateFacility']>[1]): Promise<FacilityRecord> {
    const f = await this.facility(id, 'id', 'registry:write');
    if (input.villageCode != null) this.village(input.villageCode, 'villageCode', 'village');
    return this.registry.updateFacility(f.id, input, this.actor);
  }

  async rateFacility(input: Input<'rateFacility'>) {
    const f = await this.facility(input.facilityId, 'facilityId', 'registry:write');
    return this.registry.rateFacility({ ...input, facilityId: f.id }, this.actor);
  }

  async recordBedInventory(input: Input<'recordBedInventory'>) {
    const f = await this.facility(input.facilityId, 'facilityId', 'registry:write');
    return this.registry.recordBedInventory({ ...input, facilityId: f.id }, this.actor);
  }

  // ---- caregivers and care ----

  async registerCaregiver(input: Input<'registerCaregiver'>): Promise<CaregiverRecord> {
    this.viewer.require('registry:write');
    const regionCode = v.regionCode(input.regionCode, 'regionCode');
    this.viewer.requireInScope(regionCode, 'region');
    return this.registry.registerCaregiver({ ...input, regionCode }, this.actor);
  }

  /** Both the facility and the caregiver must be in scope. */
  async assignCaregiver(input: Input<'assignCaregiver'>) {
    const f = await this.facility(input.facilityId, 'facilityId', 'registry:write');
    const c = await this.records.caregiver.load(this.idOf(input.caregiverId, 'Caregiver', 'caregiverId'));
    if (!c) throw new DomainError('BAD_USER_INPUT', 'no such caregiver', 'caregiverId');
    requireCaregiver(this.viewer, c, 'registry:write');
    return this.registry.assignCaregiver({ ...input, caregiverId: c.id, facilityId: f.id }, this.actor);
  }

  /** Both the facility and the elder must be in scope. */
  async admit(input: Input<'admit'>): Promise<StayRecord> {
    const f = await this.facility(input.facilityId, 'facilityId', 'registry:write');
    const e = await this.elder(input.elderId, 'elderId', 'registry:write');
    return this.registry.admit({ ...input, elderId: e.id, facilityId: f.id }, this.actor);
  }

  /** A discharge is the facility's (registry:write where it is). */
  async discharge(input: Input<'discharge'>): Promise<StayRecord> {
    this.viewer.require('registry:write');
    const stay = await this.records.stay.load(this.idOf(input.stayId, 'Stay', 'stayId'));
    if (!stay) throw new DomainError('BAD_USER_INPUT', 'no such stay', 'stayId');
    const facility = await this.records.facility.load(stay.facilityId);
    requireFacility(this.viewer, facility!, 'registry:write');
    return this.registry.discharge({ stayId: stay.id, dischargedOn: input.dischargedOn }, this.actor);
  }

  /** The service-type list is the city's: it needs a city-wide (or wider) jurisdiction. */
  defineServiceType(input: Parameters<RegistryService['defineServiceType']>[0]) {
    this.viewer.require('registry:write');
    if (this.viewer.scopePrefix.length > 4) throw forbidden('the service-type list is the city’s: it needs a city-wide jurisdiction');
    return this.registry.defineServiceType(input);
  }

  /** A service delivered: the elder in scope, the provider within reach, the unit price in fen. */
  async recordService(input: Input<'recordService', 'unitPriceFen'> & { unitPrice?: string | null }) {
    const e = await this.elder(input.elderId, 'elderId', 'registry:verify');
    // Nobody attributes subsidised services to a provider outside their reach: the facility must lie in the
    // caller's jurisdiction — for a town or village caller, in its county (a meal point or day-care centre in
    // the next town serves the villages around it; it is recorded against, not shown to, the verifier).
    const provider = await this.records.facility.load(this.idOf(input.facilityId, 'Facility', 'facilityId'));
    if (!provider) throw new DomainError('NOT_FOUND', 'no such facility', 'facilityId');
    const reach = this.viewer.scopePrefix.length > 6 ? this.viewer.scopePrefix.slice(0, 6) : this.viewer.scopePrefix;
    if (!provider.villageCode.startsWith(reach)) throw forbidden(`facility ${facilityNo(provider.id)} is outside the county or jurisdiction you record services for`);
    // The API's Money rule (api/scalars.ts), on a field typed String: digits, no superfluous leading zeros.
    if (input.unitPrice != null && !/^(0|[1-9][0-9]{0,11})$/.test(input.unitPrice)) throw new DomainError('BAD_USER_INPUT', 'unitPrice must be fen as a string of digits without leading zeros', 'unitPrice');
    const { unitPrice, ...rest } = input;
    return this.registry.recordService({ ...rest, elderId: e.id, facilityId: provider.id, unitPriceFen: unitPrice == null ? null : BigInt(unitPrice) }, this.actor);
  }
}
