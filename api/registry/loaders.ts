/** Per-request DataLoaders of the registry: siblings at one depth of a query share one statement. */
import type DataLoader from 'dataloader';
import { keyedLoader as keyed, shapedLoader as shaped } from '../batching.js';
import type { RegistryService, PersonalField } from '../../registry/registry.js';
import type { Actor, ElderClear, Page } from '../../registry/types.js';
import { DomainError } from '../../platform/errors.js';

/** Records whose personal data one request may read in clear (bulk export is not what unmasking is for). */
export const MAX_UNMASK_PER_REQUEST = 100;
const overUnmaskLimit = () => new DomainError('RATE_LIMITED', `personal data of at most ${MAX_UNMASK_PER_REQUEST} records may be read in clear per request`);

export function createRegistryLoaders(registry: RegistryService) {
  const unmaskers = new Map<string, DataLoader<string, Partial<ElderClear> | null>>();
  const unmasked = new Set<string>();
  // Checked again when a batch is read, not only per record: the records of one list all ask before
  // the batch runs, so a list over the limit reads and logs nothing (until 2026-12-03 its first hundred
  // came back in clear beside the error).
  const withinUnmaskLimit = <T>(read: () => Promise<T>): Promise<T> => (unmasked.size > MAX_UNMASK_PER_REQUEST ? Promise.reject(overUnmaskLimit()) : read());
  const caregiverUnmaskers = new Map<string, DataLoader<string, { name: string } | null>>();
  let facilityTypes: ReturnType<RegistryService['facilityTypes']> | undefined;
  let serviceTypes: ReturnType<RegistryService['serviceTypes']> | undefined;
  return {
    /** Reference tables, read at most once per request. */
    facilityTypes: () => (facilityTypes ??= registry.facilityTypes()),
    serviceTypes: () => (serviceTypes ??= registry.serviceTypes()),
    elder: keyed((ids) => registry.elders(ids), null),
    facility: keyed((ids) => registry.facilities(ids), null),
    caregiver: keyed((ids) => registry.caregivers(ids), null),
    stay: keyed((ids) => registry.stays(ids), null),
    assessment: keyed((ids) => registry.assessments(ids), null),
    serviceRecord: keyed((ids) => registry.serviceRecordsById(ids), null),
    membership: keyed((ids) => registry.membershipsById(ids), null),
    vitalEvent: keyed((ids) => registry.vitalEventsById(ids), null),
    rating: keyed((ids) => registry.ratingsById(ids), null),
    bedInventory: keyed((ids) => registry.bedInventoriesById(ids), null),
    assignment: keyed((ids) => registry.assignmentsById(ids), null),
    accessLogEntry: keyed((ids) => registry.accessLogById(ids), null),
    memberships: keyed((ids) => registry.membershipsByElders(ids), []),
    vitalEvents: keyed((ids) => registry.vitalEventsByElders(ids), []),
    assessments: keyed((ids) => registry.assessmentsByElders(ids), []),
    ratings: keyed((ids) => registry.ratingsByFacilities(ids), []),
    beds: keyed((ids) => registry.bedsByFacilities(ids), []),
    elderChanges: keyed((ids) => registry.changes('Elder', ids), []),
    facilityChanges: keyed((ids) => registry.changes('Facility', ids), []),
    caregiverAssignments: keyed((ids) => registry.assignmentsByCaregivers(ids), []),
    facilityAssignments: shaped((ids, month: string) => registry.assignmentsByFacilities(ids, month), []),
    staffing: shaped((ids, month: string) => registry.staffing(ids, month), null),
    stays: shaped((ids, s: { by: 'elder' | 'facility'; activeOn: string | null; page: Page }) => registry.stayPages(s.by, ids, s.activeOn, s.page), []),
    stayCounts: shaped((ids, s: { by: 'elder' | 'facility'; activeOn: string | null }) => registry.stayCounts(s.by, ids, s.activeOn), 0),
    services: shaped((ids, s: { by: 'elder' | 'facility'; serviceType: string | null; page: Page }) => registry.servicePages(s.by, ids, s.serviceType, s.page), []),
    serviceCounts: shaped((ids, s: { by: 'elder' | 'facility'; serviceType: string | null }) => registry.serviceCounts(s.by, ids, s.serviceType), 0),
    /** Clear values of elders: one transaction (read + access-log rows) per reason and field set; at most MAX_UNMASK_PER_REQUEST records a request. */
    unmaskElder(id: string, fields: PersonalField[], reason: string, actor: Actor, scopePrefix: string) {
      unmasked.add(`Elder:${id}`);
      if (unmasked.size > MAX_UNMASK_PER_REQUEST) throw overUnmaskLimit();
      const shape = JSON.stringify([fields, reason]);
      let loader = unmaskers.get(shape);
      if (!loader) {
        loader = keyed((ids) => withinUnmaskLimit(() => registry.unmaskElders(ids, fields, reason, actor, scopePrefix)), null);
        unmaskers.set(shape, loader);
      }
      return loader.load(id);
    },
    unmaskCaregiver(id: string, reason: string, actor: Actor, scopePrefix: string) {
      unmasked.add(`Caregiver:${id}`);
      if (unmasked.size > MAX_UNMASK_PER_REQUEST) throw overUnmaskLimit();
      let loader = caregiverUnmaskers.get(reason);
      if (!loader) {
        loader = keyed((ids) => withinUnmaskLimit(() => registry.unmaskCaregivers(ids, reason, actor, scopePrefix)), null);
        caregiverUnmaskers.set(reason, loader);
      }
      return loader.load(id);
    },
  };
}

export type RegistryLoaders = ReturnType<typeof createRegistryLoaders>;
