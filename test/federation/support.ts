/** One object of every federation entity type in a county (and one of its villages), made through the API and the ledger. */
import type pg from 'pg';
import { toGlobalId } from '../../api/relay.js';
import { Ledger } from '../../ledger/ledger.js';
import { ApprovalPolicies, Approvals } from '../../ledger/approvals/index.js';
import { Viewer } from '../../auth/viewer.js';
import { firstRegionBelow } from '../support/database.js';
import type { TestApi } from '../support/api.js';
import { FULL_ITEMS, idNumber, registerElder, registerFacility } from '../registry/support.js';
import { plantFinding } from '../audit/support.js';
import { fundCounty } from '../fixtures/index.js';

export { CITY } from '../fixtures/index.js';
import { CITY } from '../fixtures/index.js';

let n = 0;
const key = (prefix: string) => `${prefix}-${++n}-${Date.now()}`;

async function must(api: TestApi, query: string, variables: Record<string, unknown>): Promise<Record<string, any>> {
  const res = await api.gql(query, variables);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!;
}

/** Money into the county and one payment in the village: the payment and the county's lot. */
async function seedLedger(pool: pg.Pool, county: string, village: string) {
  const ledger = new Ledger(pool);
  const { receipt } = await fundCounty(ledger, county, { amount: 1_000_000n, actor: 'seed' });
  const lot = receipt!.transaction.postings.find((p) => p.regionCode === county)!.lotId;
  const payment = await ledger.disburse({ idempotencyKey: key('pay'), effectiveDate: '2026-03-10', regionCode: county, fundLine: 'SENIOR_ALLOWANCE', amount: 100n, payeeType: 'PERSON', payeeId: 'P-1', serviceMonth: '2026-03', benefitCode: 'SA_MONTHLY', villageCode: village, lotId: lot }, 'seed');
  // A proposal waiting at the county: appropriations of PROJECT_GRANT need approval here.
  await new ApprovalPolicies(pool).change(new Viewer({ subject: 'seed-admin', roles: ['CITY_ADMIN'], jurisdiction: CITY }), { fundLine: 'PROJECT_GRANT', operation: 'APPROPRIATION', minAmount: '0', reason: 'seed' });
  const { proposal } = await new Approvals(pool, ledger).appropriate({ idempotencyKey: key('prop'), effectiveDate: '2026-03-01', regionCode: county, fundLine: 'PROJECT_GRANT', amount: 500n, fiscalYear: 2026, fundingSource: 'OWN_BUDGET', documentNo: '丰财〔2026〕9号' }, 'seed');
  return { LedgerTransaction: toGlobalId('LedgerTransaction', payment.transaction.id), Lot: toGlobalId('Lot', lot), Proposal: toGlobalId('Proposal', proposal!.id) };
}

/** Global ids of one object per entity type (Region: the county), all inside `county`, registry records in its first village. */
export async function seedEntities(api: TestApi, pool: pg.Pool, county: string): Promise<{ village: string; ids: Record<string, string> }> {
  const village = await firstRegionBelow(pool, county, 'VILLAGE');
  const elder = await registerElder(api, { idNumber: idNumber('1944-06-15', 'MALE', county.slice(0, 6)), name: '张三', hukouVillageCode: village, phone: '13800001234' });
  const deceased = await registerElder(api, { idNumber: idNumber('1940-01-20', 'FEMALE', county.slice(0, 6)), name: '李四', hukouVillageCode: village });
  const facility = await registerFacility(api, { name: `敬老院${county}`, villageCode: village });
  const caregiver = (await must(api, `mutation ($i: RegisterCaregiverInput!) { registerCaregiver(input: $i) { id } }`, { i: { name: '护理员', regionCode: county } })).registerCaregiver.id;
  const ids: Record<string, string> = {
    Region: toGlobalId('Region', county),
    Elder: elder.id,
    Facility: facility.id,
    Caregiver: caregiver,
    CategoryMembership: (await must(api, `mutation ($i: AddCategoryInput!) { addElderCategory(input: $i) { id } }`, { i: { elderId: elder.id, category: 'DIBAO', validFrom: '2026-01-01' } })).addElderCategory.id,
    VitalEvent: (await must(api, `mutation ($i: RecordVitalStatusInput!) { recordVitalStatus(input: $i) { id } }`, { i: { elderId: deceased.id, status: 'DECEASED', deathDate: '2026-05-01', source: 'CREMATION' } })).recordVitalStatus.id,
    Assessment: (await must(api, `mutation ($i: RecordAssessmentInput!) { recordAssessment(input: $i) { id } }`, { i: { elderId: elder.id, assessedOn: '2026-03-01', reason: 'FIRST', items: FULL_ITEMS } })).recordAssessment.id,
    FacilityRating: (await must(api, `mutation ($i: RateFacilityInput!) { rateFacility(input: $i) { id } }`, { i: { facilityId: facility.id, level: 3, ratedOn: '2026-02-01' } })).rateFacility.id,
    BedInventory: (await must(api, `mutation ($i: RecordBedInventoryInput!) { recordBedInventory(input: $i) { id } }`, { i: { facilityId: facility.id, asOf: '2026-03-01', approved: 100, actual: 90, nursing: 60, inclusive: 30, occupied: 70 } })).recordBedInventory.id,
    StaffAssignment: (await must(api, `mutation ($i: AssignCaregiverInput!) { assignCaregiver(input: $i) { id } }`, { i: { caregiverId: caregiver, facilityId: facility.id, month: '2026-03' } })).assignCaregiver.id,
    Stay: (await must(api, `mutation ($i: AdmitInput!) { admitElder(input: $i) { id } }`, { i: { elderId: elder.id, facilityId: facility.id, admittedOn: '2026-03-01' } })).admitElder.id,
    ServiceRecord: (await must(api, `mutation ($i: RecordServiceInput!) { recordService(input: $i) { id } }`, { i: { elderId: elder.id, facilityId: facility.id, serviceType: 'MEAL', startedAt: '2026-03-05T11:30:00+08:00', subsidised: true } })).recordService.id,
    ...(await seedLedger(pool, county, village)),
  };
  // One logged unmasking: the access-log entry.
  await must(api, `query ($id: ID!) { elder(id: $id) { personal(reason: "核对") { name } } }`, { id: elder.id });
  ids.AccessLogEntry = (await must(api, `query ($e: ID!) { accessLog(filter: { entityId: $e }) { nodes { id } } }`, { e: elder.id })).accessLog.nodes[0].id;
  ids.AuditFinding = toGlobalId('AuditFinding', await plantFinding(pool, village));
  return { village, ids };
}
