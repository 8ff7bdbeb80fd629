/** Walking across the jurisdiction boundary through nested fields and node(id): nothing outside leaks. */
import { toGlobalId } from '../../api/relay.js';
import { firstRegionBelow } from '../support/database.js';
import { Ledger } from '../../ledger/ledger.js';
import { errorCodes, useXuzhouApi } from '../support/api.js';
import { CITY, FENG, PEI } from '../fixtures/index.js';

const live = useXuzhouApi();
const A = FENG;
const B = PEI;
const gid = toGlobalId;
let n = 0;
const key = (p: string) => `${p}-${++n}`;
const ids = {} as { rootLot: string; lotA: string; lotB: string; receiptA: string; paymentA: string; paymentB: string; villageA: string };

const firstVillage = (county: string) => firstRegionBelow(live.db.pool, county, 'VILLAGE');

beforeAll(async () => {
  const ledger = new Ledger(live.db.pool);
  const app = await ledger.appropriate({ idempotencyKey: key('app'), effectiveDate: '2026-03-01', regionCode: CITY, fundLine: 'SENIOR_ALLOWANCE', amount: 10_000_000n, fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕1号' }, 'city-finance');
  ids.rootLot = app.transaction.postings[0]!.lotId;
  for (const county of [A, B]) {
    const alloc = await ledger.allocate({ idempotencyKey: key('alloc'), effectiveDate: '2026-03-02', fromRegionCode: CITY, toRegionCode: county, fundLine: 'SENIOR_ALLOWANCE', amount: 1_000_000n, documentNo: '徐财社〔2026〕7号', lotId: ids.rootLot }, 'city-finance');
    const receipt = await ledger.receiveAllocation({ idempotencyKey: key('recv'), effectiveDate: '2026-03-05', allocationId: alloc.transaction.id }, 'county-finance');
    const lot = receipt.transaction.postings.find((p) => p.regionCode === county)!.lotId;
    const village = await firstVillage(county);
    const pay = await ledger.disburse({ idempotencyKey: key('pay'), effectiveDate: '2026-03-10', regionCode: county, fundLine: 'SENIOR_ALLOWANCE', amount: 500n, payeeType: 'PERSON', payeeId: `P-${county}`, serviceMonth: '2026-03', benefitCode: 'SA_MONTHLY', villageCode: village, lotId: lot }, 'county-clerk');
    if (county === A) Object.assign(ids, { lotA: lot, receiptA: receipt.transaction.id, paymentA: pay.transaction.id, villageA: village });
    else Object.assign(ids, { lotB: lot, paymentB: pay.transaction.id });
  }
});

const auditorA = () => live.api.as('AUDITOR', A);

test('regions: the path up is visible by name, what hangs below it is not', async () => {
  const res = await auditorA().gql(`{ region(code: "${A}") { name parent { code name } ancestors { code } } }`);
  expect(res.errors).toBeUndefined();
  expect(res.data!.region.parent).toEqual({ code: CITY, name: '徐州市' });
  expect(res.data!.region.ancestors.map((r: any) => r.code)).toEqual(['320000000000', CITY]);

  const sideways = await auditorA().gql(`{ region(code: "${A}") { parent { children { nodes { code } } } } }`);
  expect(errorCodes(sideways)).toEqual(['FORBIDDEN']);
  expect(sideways.data!.region.parent).toBeNull();
  for (const q of [`{ region(code: "${CITY}") { descendants(level: COUNTY) { nodes { code } } } }`, `{ region(code: "${CITY}") { counts { villages } } }`, `{ region(code: "${B}") { name } }`]) {
    expect(errorCodes(await auditorA().gql(q))).toEqual(['FORBIDDEN']);
  }
  // Lists never widen: no filter, a filter on the parent, a search — only 丰县's own regions.
  const lists = await auditorA().gql(`{ all: regions(level: COUNTY) { nodes { code } } byParent: regions(parentCode: "3203") { nodes { code } } search: regions(search: "镇", first: 500) { nodes { code } } }`);
  expect(lists.errors).toBeUndefined();
  expect(lists.data!.all.nodes).toEqual([{ code: A }]);
  expect(lists.data!.byParent.nodes).toEqual([{ code: A }]);
  expect(lists.data!.search.nodes.length).toBeGreaterThan(0);
  expect(lists.data!.search.nodes.every((r: any) => r.code.startsWith('320321'))).toBe(true);
});

test('node(id) and nodes(ids) refuse objects of the other county, one by one', async () => {
  const res = await auditorA().gql(`query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`, {
    ids: [gid('LedgerTransaction', ids.paymentA), gid('LedgerTransaction', ids.paymentB), gid('Lot', ids.lotB), gid('Region', B), gid('Lot', ids.rootLot)],
  });
  expect(res.data!.nodes.map((x: any) => x?.__typename ?? null)).toEqual(['LedgerTransaction', null, null, null, null]);
  expect(errorCodes(res)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
});

test('ledger: the county sees its receipt and the allocation it answers, not the city lot or the other county', async () => {
  const tx = await auditorA().gql(`query ($id: ID!) { transaction(id: $id) { kind allocation { kind region { code } counterpartRegion { code } } } }`, { id: gid('LedgerTransaction', ids.receiptA) });
  expect(tx.errors).toBeUndefined();
  expect(tx.data!.transaction.allocation).toEqual({ kind: 'ALLOCATION', region: { code: CITY }, counterpartRegion: { code: A } });

  const lot = await auditorA().gql(`query ($id: ID!) { lot(id: $id) { regionCode lineage { regionCode } transactions { nodes { kind } } parent { id } } }`, { id: gid('Lot', ids.lotA) });
  expect(errorCodes(lot)).toEqual(['FORBIDDEN']); // parent: the city's root lot
  expect(lot.data!.lot.lineage).toEqual([{ regionCode: A }]);
  expect(lot.data!.lot.transactions.nodes.map((t: any) => t.kind)).toEqual(expect.arrayContaining(['ALLOCATION', 'ALLOCATION_RECEIVED', 'DISBURSEMENT']));

  // The chain of authority runs up to the city's appropriation, document and approver included (LEDGER.md P5)…
  const trail = await auditorA().gql(`query ($id: ID!) { trail(transactionId: $id) { kind region { code } documentNo lotDocumentNo actor amount inScope } }`, { id: gid('LedgerTransaction', ids.paymentA) });
  expect(trail.errors).toBeUndefined();
  expect(trail.data!.trail.map((s: any) => [s.kind, s.region.code, s.inScope])).toEqual([
    ['DISBURSEMENT', A, true],
    ['ALLOCATION_RECEIVED', A, true],
    ['ALLOCATION', CITY, true],
    ['APPROPRIATION', CITY, false],
  ]);
  expect(trail.data!.trail[3]).toMatchObject({ lotDocumentNo: '苏财社〔2026〕1号', actor: 'city-finance', amount: '10000000' });
  expect(trail.data!.trail[0].amount).toBe('500');
  // …but the city's own transaction and lot behind that step stay the city's.
  const deeper = await auditorA().gql(`query ($id: ID!) { trail(transactionId: $id) { kind transaction { id } lot { id } } }`, { id: gid('LedgerTransaction', ids.paymentA) });
  expect(deeper.data!.trail.map((s: any) => s.transaction?.id ? 'tx' : null)).toEqual(['tx', 'tx', 'tx', null]);
  expect(deeper.errors!.map((e) => [e.extensions?.code, e.path?.join('.')])).toEqual(
    expect.arrayContaining([['FORBIDDEN', 'trail.3.transaction'], ['FORBIDDEN', 'trail.3.lot']]),
  );
  const full = await live.api.gql(`query ($id: ID!) { trail(transactionId: $id) { transaction { kind } } }`, { id: gid('LedgerTransaction', ids.paymentA) });
  expect(full.errors).toBeUndefined();
  expect(full.data!.trail.map((s: any) => s.transaction.kind)).toEqual(['DISBURSEMENT', 'ALLOCATION_RECEIVED', 'ALLOCATION', 'APPROPRIATION']);

  // No filter, or a filter by payee of the other county: only 丰县's transactions.
  const all = await auditorA().gql(`{ all: transactions(first: 100) { totalCount nodes { region { code } counterpartRegion { code } } } other: transactions(filter: { payeeId: "P-${B}" }) { totalCount } }`);
  expect(all.errors).toBeUndefined();
  expect(all.data!.all.nodes.every((t: any) => t.region?.code === A || t.counterpartRegion?.code === A)).toBe(true);
  expect(all.data!.all.totalCount).toBe(all.data!.all.nodes.length);
  expect(all.data!.other.totalCount).toBe(0);
});

test('a village verifier sees its village and the path up, nothing else', async () => {
  const verifier = live.api.as('VILLAGE_VERIFIER', ids.villageA);
  const own = await verifier.gql(`{ region(code: "${ids.villageA}") { level parent { level } } regions { totalCount } }`);
  expect(own.errors).toBeUndefined();
  expect(own.data!.regions.totalCount).toBe(1);
  expect(errorCodes(await verifier.gql(`{ transactions { totalCount } }`))).toEqual(['FORBIDDEN']);
});

test('the actor on a transaction is the token subject, whatever the request says', async () => {
  const res = await live.api.as('FINANCE_OFFICER', A, { subject: 'zhang.wei@fengxian' }).gql(
    `mutation ($i: DisburseInput!) { disburse(input: $i) { transaction { actor } } }`,
    { i: { idempotencyKey: key('actor'), effectiveDate: '2026-03-11', regionCode: A, fundLine: 'SENIOR_ALLOWANCE', amount: '100', payeeType: 'PERSON', payeeId: 'P-9', serviceMonth: '2026-03', benefitCode: 'SA_MONTHLY', villageCode: ids.villageA } },
    { 'x-actor': 'someone-else' },
  );
  expect(res.errors).toBeUndefined();
  expect(res.data!.disburse.transaction.actor).toBe('zhang.wei@fengxian');
});

test('payments to an elder list only what the caller may see in the ledger', async () => {
  const { idNumber, registerElder } = await import('../registry/support.js');
  const villageB = await firstVillage(B);
  // Household in 沛县 (which pays the allowance), living in 丰县.
  const elder = await registerElder(live.api, { idNumber: idNumber('1938-09-09', 'FEMALE', '320322'), name: '孙七', hukouVillageCode: villageB, residenceVillageCode: ids.villageA });
  const ledger = new Ledger(live.db.pool);
  for (const [county, village] of [[B, villageB], [A, ids.villageA]] as const) {
    await ledger.disburse({ idempotencyKey: key('elder-pay'), effectiveDate: '2026-03-20', regionCode: county, fundLine: 'SENIOR_ALLOWANCE', amount: 300n, payeeType: 'PERSON', payeeId: elder.registryNo, serviceMonth: '2026-03', benefitCode: 'SA_MONTHLY', villageCode: village }, 'county-clerk');
  }
  const q = `query ($id: ID!) { elder(id: $id) { payments { totalCount nodes { region { code } payee { ... on Elder { registryNo } } } } } }`;
  const city = await live.api.gql(q, { id: elder.id });
  expect(city.errors).toBeUndefined();
  expect(city.data!.elder.payments.totalCount).toBe(2);
  const fengAuditor = await auditorA().gql(q, { id: elder.id });
  expect(fengAuditor.errors).toBeUndefined();
  expect(fengAuditor.data!.elder.payments).toEqual({ totalCount: 1, nodes: [{ region: { code: A }, payee: { registryNo: elder.registryNo } }] });
});
