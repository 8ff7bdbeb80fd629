/**
 * The change feed against real PostgreSQL: exactly-once delivery while many writers commit out of
 * sequence order, LEFT_SCOPE when an object moves out of a jurisdiction, RESYNC_REQUIRED, ledger
 * hashes, permissions.
 */
import { toGlobalId } from '../../api/relay.js';
import { Ledger } from '../../ledger/ledger.js';
import { encodeCursor } from '../../sync/cursor.js';
import { databaseEpoch } from '../../sync/feed.js';
import { errorCodes, useXuzhouApi } from '../support/api.js';
import { FENG, FENG_V1, FENG_V2, FULL_ITEMS, idNumber, PEI, PEI_V1, registerElder, registerFacility } from '../registry/support.js';
import { exportAs, feedOf } from './support.js';
import { CITY } from '../fixtures/index.js';

const live = useXuzhouApi();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function villagesOf(county: string, n: number): Promise<string[]> {
  const { rows } = await live.db.pool.query(`select code from region where level = 'VILLAGE' and code like $1 order by code limit $2`, [`${county.slice(0, 6)}%`, n]);
  return rows.map((r) => r.code);
}

interface Committed {
  id: string;
  began: number;
  committed: number;
}

/** One writer: transactions that insert a facility, wait a random while (so commits interleave out of xid order), then commit or roll back. */
async function writer(w: number, villages: string[], count: number, committed: Committed[], rolledBack: string[]) {
  for (let i = 0; i < count; i++) {
    const client = await live.db.pool.connect();
    try {
      const began = performance.now();
      await client.query('begin');
      const { rows } = await client.query(
        `insert into registry.facility (name, type, village_code, operating_model, status, created_by, updated_by)
         values ($1, 'DAY_CARE_CENTRE', $2, 'PRIVATE_NONPROFIT', 'OPERATING', 'feed-test', 'feed-test') returning id::text`,
        [`日间照料中心 w${w}-${i}`, villages[(w + i) % villages.length]],
      );
      await sleep(Math.random() * 25);
      if (Math.random() < 0.1) {
        await client.query('rollback');
        rolledBack.push(rows[0].id);
      } else {
        await client.query('commit');
        committed.push({ id: rows[0].id, began, committed: performance.now() });
      }
    } finally {
      client.release();
    }
  }
}

describe('the change feed', () => {
  test('every committed change is delivered exactly once, in an order consistent with commit order, while writers commit out of sequence', async () => {
    const feed = feedOf(live.api, 'SYSTEM_CLIENT', FENG);
    const villages = await villagesOf(FENG, 20);
    const { cursor: start } = await feed.drain(null, ['FACILITY']);
    const committed: Committed[] = [];
    const rolledBack: string[] = [];
    const seen: { id: string; at: number }[] = [];
    let writing = true;
    const writers = Promise.all(Array.from({ length: 8 }, (_, w) => writer(w, villages, 20, committed, rolledBack))).finally(() => (writing = false));
    // The reader follows the feed in small pages while the writers run, then until it has caught up.
    let cursor = start;
    for (;;) {
      const done = !writing;
      const res = await feed.page(cursor, 7, ['FACILITY']);
      expect(res.data!.changes).toHaveProperty('pending');
      expect(res.errors).toBeUndefined();
      for (const change of res.data!.changes.nodes) seen.push({ id: change.id, at: seen.length });
      cursor = res.data!.changes.cursor;
      if (done && !res.data!.changes.pageInfo.hasNextPage && !res.data!.changes.pending) break;
      if (!res.data!.changes.pageInfo.hasNextPage) await sleep(5);
    }
    await writers;

    const expected = committed.map((c) => toGlobalId('Facility', c.id));
    const ids = seen.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length); // nothing twice
    expect([...ids].sort()).toEqual([...expected].sort()); // every committed one, nothing else
    for (const id of rolledBack) expect(ids).not.toContain(toGlobalId('Facility', id));
    // A transaction that committed before another began is delivered before it.
    const position = new Map(ids.map((id, i) => [id, i]));
    let pairs = 0;
    for (const a of committed) {
      for (const b of committed) {
        if (a.committed < b.began) {
          pairs++;
          expect(position.get(toGlobalId('Facility', a.id))!).toBeLessThan(position.get(toGlobalId('Facility', b.id))!);
        }
      }
    }
    expect(pairs).toBeGreaterThan(100);
    expect(committed.length).toBeGreaterThan(100);
  });

  test('ledger transactions arrive once each with their chain hash, and the state is masked as for the caller', async () => {
    const feed = feedOf(live.api, 'SYSTEM_CLIENT', FENG);
    const { cursor } = await feed.drain(null, ['LEDGER_TRANSACTION', 'LOT']);
    const ledger = new Ledger(live.db.pool);
    const app = await ledger.appropriate({ idempotencyKey: `feed-app-${Date.now()}`, effectiveDate: '2026-03-01', regionCode: CITY, fundLine: 'SENIOR_ALLOWANCE', amount: 1_000_000n, fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕1号' }, 'seed');
    const alloc = await ledger.allocate({ idempotencyKey: `feed-alloc-${Date.now()}`, effectiveDate: '2026-03-02', fromRegionCode: CITY, toRegionCode: FENG, fundLine: 'SENIOR_ALLOWANCE', amount: 1_000_000n, documentNo: '徐财社〔2026〕7号', lotId: app.transaction.postings[0]!.lotId }, 'seed');
    const { changes } = await feed.drain(cursor, ['LEDGER_TRANSACTION', 'LOT']);
    // The city's appropriation is not the county's business; the allocation to it is (counterpart).
    const txs = changes.filter((c) => c.type === 'LEDGER_TRANSACTION');
    expect(txs.map((c) => c.id)).toEqual([toGlobalId('LedgerTransaction', alloc.transaction.id)]);
    const { rows } = await live.db.pool.query(`select encode(hash, 'hex') as hash from ledger.transaction where id = $1`, [alloc.transaction.id]);
    expect(txs[0]!.hash).toBe(rows[0].hash);
    expect(txs[0]!.state!.hash).toBe(rows[0].hash);
    // The allocation's legs are the city's: their amounts are shown, the city's running balances are not.
    expect(txs[0]!.state!.postings.map((p: any) => [p.regionCode, p.balanceAfter])).toEqual([[CITY, null], [CITY, null]]);
    expect(changes.filter((c) => c.type === 'LOT').map((c) => c.state!.regionCode)).toEqual([FENG]);
    // The receipt moves the money into the county's accounts: those balances are the county's own.
    const receipt = await ledger.receiveAllocation({ idempotencyKey: `feed-recv-${Date.now()}`, effectiveDate: '2026-03-05', allocationId: alloc.transaction.id }, 'seed');
    const next = await feed.drain((await feed.drain(cursor, ['LEDGER_TRANSACTION'])).cursor, ['LEDGER_TRANSACTION']);
    expect(next.changes).toEqual([]);
    const all = await feed.drain(cursor, ['LEDGER_TRANSACTION']);
    const received = all.changes.find((c) => c.id === toGlobalId('LedgerTransaction', receipt.transaction.id))!;
    expect(received.state!.postings.filter((p: any) => p.regionCode === FENG).every((p: any) => /^[0-9]+$/.test(p.balanceAfter))).toBe(true);
  });

  test('an elder who moves to another county LEFT_SCOPE of the first and arrives in the second, with what follows them', async () => {
    const feng = feedOf(live.api, 'SYSTEM_CLIENT', FENG);
    const pei = feedOf(live.api, 'SYSTEM_CLIENT', PEI);
    const fengStart = (await feng.drain(null, ['ELDER', 'ASSESSMENT'])).cursor;
    const peiStart = (await pei.drain(null, ['ELDER', 'ASSESSMENT'])).cursor;
    const clearName = '欧阳明华';
    const elder = await registerElder(live.api, { idNumber: idNumber('1944-06-15', 'MALE', FENG.slice(0, 6)), name: clearName, hukouVillageCode: FENG_V1, phone: '13800001234' });
    const assessed = await live.api.gql(`mutation ($i: RecordAssessmentInput!) { recordAssessment(input: $i) { id } }`, { i: { elderId: elder.id, assessedOn: '2026-03-01', reason: 'FIRST', items: FULL_ITEMS } });
    expect(assessed.errors).toBeUndefined();

    const before = await feng.drain(fengStart, ['ELDER', 'ASSESSMENT']);
    expect(before.changes.map((c) => [c.type, c.operation])).toEqual([['ELDER', 'UPSERT'], ['ASSESSMENT', 'UPSERT']]);
    const state = before.changes[0]!.state!;
    expect(state).toMatchObject({ __typename: 'Elder', id: elder.id, name: '欧阳**', phone: '138****1234', birthDate: '1944-06-**', hukouVillageCode: FENG_V1 });
    expect(JSON.stringify(before.changes)).not.toContain(clearName);
    expect(before.changes[1]!.state!.details).toBeNull(); // health data: SYSTEM_CLIENT has no health:read

    const moved = await live.api.gql(`mutation ($id: ID!) { updateElder(id: $id, input: { hukouVillageCode: "${PEI_V1}", residenceVillageCode: "${PEI_V1}" }) { id } }`, { id: elder.id });
    expect(moved.errors).toBeUndefined();
    const after = await feng.drain(before.cursor, ['ELDER', 'ASSESSMENT']);
    expect(after.changes.map((c) => [c.type, c.id, c.operation, c.state])).toEqual([
      ['ELDER', elder.id, 'LEFT_SCOPE', null],
      ['ASSESSMENT', assessed.data!.recordAssessment.id, 'LEFT_SCOPE', null],
    ]);
    const arrived = await pei.drain(peiStart, ['ELDER', 'ASSESSMENT']);
    // Pei sees the elder (and the assessment) once they are its: every change row that is relevant now says UPSERT.
    expect(arrived.changes.filter((c) => c.operation === 'LEFT_SCOPE')).toEqual([]);
    expect(arrived.changes.filter((c) => c.type === 'ELDER').at(-1)!.state).toMatchObject({ id: elder.id, hukouVillageCode: PEI_V1 });
    expect(arrived.changes.some((c) => c.type === 'ASSESSMENT' && c.id === assessed.data!.recordAssessment.id)).toBe(true);
  });

  test('a snapshot narrowed with within is followed within it: the town’s changes, LEFT_SCOPE for what leaves the town, nothing of the rest of the county', async () => {
    const town = FENG_V1.slice(0, 9); // FENG_V2 is in another town of the county
    const feng = feedOf(live.api, 'SYSTEM_CLIENT', FENG);
    const inTown = (e: Record<string, any>) => e.hukouVillageCode.startsWith(town) || e.residenceVillageCode.startsWith(town);
    const leaving = await registerElder(live.api, { idNumber: idNumber('1942-10-10', 'FEMALE', FENG.slice(0, 6)), name: '许何吕', hukouVillageCode: FENG_V1 });
    const snapshot = await exportAs(live.api, 'SYSTEM_CLIENT', FENG, 'elders', `?within=${town}`);
    expect(snapshot.header.within).toBe(town.padEnd(12, '0'));
    expect(snapshot.rows.some((r) => r.id === leaving.id)).toBe(true);
    expect(snapshot.rows.every(inTown)).toBe(true);

    // After the snapshot: an elder elsewhere in the county (never in this snapshot), one in the town, and one who leaves the town.
    const elsewhere = await registerElder(live.api, { idNumber: idNumber('1942-11-11', 'MALE', FENG.slice(0, 6)), name: '施张孔', hukouVillageCode: FENG_V2 });
    const arriving = await registerElder(live.api, { idNumber: idNumber('1942-12-12', 'MALE', FENG.slice(0, 6)), name: '曹严华', hukouVillageCode: FENG_V1 });
    const moved = await live.api.gql(`mutation ($id: ID!) { updateElder(id: $id, input: { hukouVillageCode: "${FENG_V2}", residenceVillageCode: "${FENG_V2}" }) { id } }`, { id: leaving.id });
    expect(moved.errors).toBeUndefined();
    const followed = await feng.drain(snapshot.header.cursor, ['ELDER']);
    expect(followed.changes.map((c) => [c.id, c.operation])).toEqual([[arriving.id, 'UPSERT'], [leaving.id, 'LEFT_SCOPE']]);
    expect(followed.changes.some((c) => c.id === elsewhere.id)).toBe(false);

    // The cursors the feed hands out stay narrowed…
    const later = await registerElder(live.api, { idNumber: idNumber('1943-01-13', 'FEMALE', FENG.slice(0, 6)), name: '金魏陶', hukouVillageCode: FENG_V2 });
    expect((await feng.drain(followed.cursor, ['ELDER'])).changes.filter((c) => c.id === later.id)).toEqual([]);
    // …and the feed takes the same within for them, no other: a mirror of the town never widens into
    // the county's changes, a mirror of the county never narrows (its other towns' rows would go stale).
    expect((await feng.page(followed.cursor, 10, ['ELDER'], town)).errors).toBeUndefined();
    const wider = await feng.page(followed.cursor, 10, ['ELDER'], FENG);
    expect([errorCodes(wider), wider.errors?.[0]?.extensions?.field]).toEqual([['BAD_USER_INPUT'], 'within']);
    const wide = (await feng.page(null, 1)).data!.changes.cursor;
    expect(errorCodes(await feng.page(wide, 10, ['ELDER'], town))).toEqual(['BAD_USER_INPUT']);
    expect((await feng.page(wide, 10, ['ELDER'], FENG)).errors).toBeUndefined(); // the jurisdiction itself is no narrowing
    // Without a cursor, within narrows the feed from its beginning; outside the jurisdiction it is refused, garbage too.
    const fromStart = await feng.page(null, 2000, ['ELDER'], town);
    expect(fromStart.errors).toBeUndefined();
    const upserts = fromStart.data!.changes.nodes.filter((c) => c.operation === 'UPSERT');
    expect(upserts.length).toBeGreaterThan(0);
    expect(upserts.every((c) => inTown(c.state!))).toBe(true);
    const logged = await live.db.pool.query(`select region_code from registry.access_log where entity_type = 'Feed' order by id desc limit 1`);
    expect(logged.rows).toEqual([{ region_code: town.padEnd(12, '0') }]); // as a narrowed export is logged
    expect(errorCodes(await feng.page(null, 10, ['ELDER'], PEI))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await feng.page(null, 10, ['ELDER'], '3203x1'))).toEqual(['BAD_USER_INPUT']);
  });

  test("an elder's category memberships (特困, 低保 …) arrive as their own type, as the API shows them: recorded, ended, and gone with the elder", async () => {
    const feng = feedOf(live.api, 'SYSTEM_CLIENT', FENG);
    const types = ['CATEGORY_MEMBERSHIP'];
    const elder = await registerElder(live.api, { idNumber: idNumber('1938-04-04', 'FEMALE', FENG.slice(0, 6)), name: '孔曹严', hukouVillageCode: FENG_V1 });
    const start = (await feng.drain(null, types)).cursor;
    const added = await live.api.gql(`mutation ($i: AddCategoryInput!) { addElderCategory(input: $i) { id } }`, { i: { elderId: elder.id, category: 'DIBAO', validFrom: '2026-01-01', sourceSystem: '民政救助系统', sourceRef: '丰民〔2026〕12号' } });
    expect(added.errors).toBeUndefined();
    const id = added.data!.addElderCategory.id;
    const FIELDS = `id category validFrom validTo plannedValidTo endedOn endReason sourceSystem sourceRef recordedAt recordedBy`;
    const asApi = async () => {
      const res = await live.api.as('SYSTEM_CLIENT', FENG).gql(`query ($id: ID!) { elder(id: $id) { categories(history: true) { ${FIELDS} } } }`, { id: elder.id });
      expect(res.errors).toBeUndefined();
      const { recordedAt, ...rest } = res.data!.elder.categories.find((m: { id: string }) => m.id === id);
      return { rest, recordedAt: Date.parse(recordedAt) };
    };
    const matches = async (state: Record<string, any>) => {
      const { recordedAt, ...rest } = state;
      const api = await asApi();
      expect(rest).toEqual({ __typename: 'CategoryMembership', elderId: elder.id, ...api.rest });
      expect(Math.abs(Date.parse(recordedAt) - api.recordedAt)).toBeLessThan(1);
    };

    const recorded = await feng.drain(start, types);
    expect(recorded.changes.map((c) => [c.id, c.operation])).toEqual([[id, 'UPSERT']]);
    await matches(recorded.changes[0]!.state!);
    const exported = await exportAs(live.api, 'SYSTEM_CLIENT', FENG, 'category-memberships');
    expect(exported.rows.find((r) => r.id === id)).toEqual(recorded.changes[0]!.state);

    // An end appended: the membership's state changes (validTo, endedOn, endReason).
    const ended = await live.api.gql(`mutation ($i: EndCategoryInput!) { endElderCategory(input: $i) { id } }`, { i: { membershipId: id, endedOn: '2026-06-30', reason: '收入超标' } });
    expect(ended.errors).toBeUndefined();
    const after = await feng.drain(recorded.cursor, types);
    expect(after.changes.map((c) => [c.id, c.operation, c.state?.validTo, c.state?.endedOn])).toEqual([[id, 'UPSERT', '2026-06-30', '2026-06-30']]);
    await matches(after.changes[0]!.state!);

    // The elder moves to another county: the membership leaves with them.
    const moved = await live.api.gql(`mutation ($id: ID!) { updateElder(id: $id, input: { hukouVillageCode: "${PEI_V1}", residenceVillageCode: "${PEI_V1}" }) { id } }`, { id: elder.id });
    expect(moved.errors).toBeUndefined();
    expect((await feng.drain(after.cursor, types)).changes.map((c) => [c.id, c.operation])).toEqual([[id, 'LEFT_SCOPE']]);
    expect((await exportAs(live.api, 'SYSTEM_CLIENT', FENG, 'category-memberships')).rows.some((r) => r.id === id)).toBe(false);
  });

  test("a transaction posted by an approval carries it, as the API shows it: who proposed, who approved and when", async () => {
    const ledger = new Ledger(live.db.pool);
    const key = (p: string) => `feed-approval-${p}-${Date.now()}`;
    const app = await ledger.appropriate({ idempotencyKey: key('app'), effectiveDate: '2026-03-01', regionCode: CITY, fundLine: 'SENIOR_ALLOWANCE', amount: 500_000n, fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕5号' }, 'seed');
    const alloc = await ledger.allocate({ idempotencyKey: key('alloc'), effectiveDate: '2026-03-02', fromRegionCode: CITY, toRegionCode: FENG, fundLine: 'SENIOR_ALLOWANCE', amount: 500_000n, documentNo: '徐财社〔2026〕9号', lotId: app.transaction.postings[0]!.lotId }, 'seed');
    await ledger.receiveAllocation({ idempotencyKey: key('recv'), effectiveDate: '2026-03-05', allocationId: alloc.transaction.id }, 'seed');
    const feng = feedOf(live.api, 'SYSTEM_CLIENT', FENG);
    const start = (await feng.drain(null, ['LEDGER_TRANSACTION'])).cursor;
    // Every disbursement of the fund line needs a second person for this test (the template's policies say never).
    const policy = (min: string | null) =>
      live.db.pool.query(`insert into ledger.approval_policy_change (fund_line, operation, min_amount, changed_by, reason) values ('SENIOR_ALLOWANCE', 'DISBURSEMENT', $1, 'feed-test', 'feed test')`, [min]);
    await policy('0');
    const payee = await registerElder(live.api, { idNumber: idNumber('1936-05-05', 'MALE', FENG.slice(0, 6)), name: '华金魏', hukouVillageCode: FENG_V1 });
    let transactionId: string;
    try {
      const proposer = live.api.as('FINANCE_OFFICER', FENG, { subject: 'fo-zhao' });
      const proposed = await proposer.gql(`mutation ($i: DisburseInput!) { disburse(input: $i) { transaction { id } proposal { id } } }`, {
        i: { idempotencyKey: key('pay'), effectiveDate: '2026-03-10', regionCode: FENG, fundLine: 'SENIOR_ALLOWANCE', amount: '20000', payeeType: 'PERSON', payeeId: payee.registryNo, serviceMonth: '2026-03', benefitCode: 'SA_MONTHLY', villageCode: FENG_V1 },
      });
      expect(proposed.errors).toBeUndefined();
      const approved = await live.api.as('FINANCE_OFFICER', FENG, { subject: 'fo-qian' }).gql(`mutation ($id: ID!) { approve(id: $id) { transactions { id } } }`, { id: proposed.data!.disburse.proposal.id });
      expect(approved.errors).toBeUndefined();
      transactionId = approved.data!.approve.transactions[0].id;
    } finally {
      await policy(null);
    }
    const { changes } = await feng.drain(start, ['LEDGER_TRANSACTION']);
    expect(changes.map((c) => c.id)).toEqual([transactionId]);
    const state = changes[0]!.state!;
    const api = await live.api.as('SYSTEM_CLIENT', FENG).gql(
      `query ($id: ID!) { node(id: $id) { ... on LedgerTransaction { proposedBy approvedBy proposal { id status operation regionCode amount proposedBy proposedAt decidedBy decidedAt } } } }`,
      { id: transactionId },
    );
    expect(api.errors).toBeUndefined();
    const { proposal, ...who } = api.data!.node;
    expect(who).toEqual({ proposedBy: 'fo-zhao', approvedBy: 'fo-qian' });
    expect({ proposedBy: state.proposedBy, approvedBy: state.approvedBy }).toEqual(who);
    const at = (p: Record<string, any>) => ({ ...p, proposedAt: Date.parse(p.proposedAt), decidedAt: Date.parse(p.decidedAt) });
    expect(at(state.proposal)).toEqual(at(proposal));
    expect(proposal).toMatchObject({ status: 'APPROVED', decidedBy: 'fo-qian', regionCode: FENG });
    // The export carries the same, and an ordinary transaction says it had no approval.
    const exported = await exportAs(live.api, 'SYSTEM_CLIENT', FENG, 'transactions');
    expect(exported.rows.find((r) => r.id === transactionId)).toEqual(state);
    expect(exported.rows.find((r) => r.id === toGlobalId('LedgerTransaction', alloc.transaction.id))).toMatchObject({ proposedBy: null, approvedBy: null, proposal: null });
  });

  test("a death reported (a row of the elder's vital history, not a change of the elder) arrives as the elder's new state, and the export shows it", async () => {
    const feng = feedOf(live.api, 'SYSTEM_CLIENT', FENG);
    const elder = await registerElder(live.api, { idNumber: idNumber('1931-02-11', 'FEMALE', FENG.slice(0, 6)), name: '钱九', hukouVillageCode: FENG_V1 });
    const start = (await feng.drain(null, ['ELDER'])).cursor;
    const reported = await live.api.gql(`mutation ($i: RecordVitalStatusInput!) { recordVitalStatus(input: $i) { id } }`, { i: { elderId: elder.id, status: 'DECEASED', deathDate: '2026-03-20', source: 'DEATH_CERTIFICATE' } });
    expect(reported.errors).toBeUndefined();
    const after = await feng.drain(start, ['ELDER']);
    expect(after.changes.filter((c) => c.id === elder.id).map((c) => [c.operation, c.state?.vitalStatus, c.state?.deathDate])).toEqual([['UPSERT', 'DECEASED', '2026-03-20']]);
    const exported = await exportAs(live.api, 'SYSTEM_CLIENT', FENG, 'elders');
    expect(exported.rows.find((r) => r.id === elder.id)).toMatchObject({ vitalStatus: 'DECEASED', deathDate: '2026-03-20' });
    // and what the API answers, field for field
    const shown = await live.api.gql(`query ($id: ID!) { node(id: $id) { ... on Elder { vitalStatus deathDate } } }`, { id: elder.id });
    expect(shown.data!.node).toEqual({ vitalStatus: 'DECEASED', deathDate: '2026-03-20' });
    expect(exported.rows.filter((r) => r.id !== elder.id).every((r) => r.vitalStatus === 'ALIVE' || r.vitalStatus === 'DECEASED')).toBe(true);
  });

  test('every page of the feed with something in it is in the access log, like an export; an empty page is not', async () => {
    const feng = feedOf(live.api, 'SYSTEM_CLIENT', FENG);
    const start = (await feng.drain(null, ['ELDER'])).cursor;
    const logged = async () => (await live.db.pool.query(`select subject, entity_type, region_code, fields, row_count::int as rows, reason from registry.access_log where entity_type = 'Feed' order by id`)).rows;
    const before = (await logged()).length;
    const empty = await feng.page(start, 500, ['ELDER']);
    expect(empty.data!.changes.nodes).toEqual([]);
    expect((await logged()).length).toBe(before);
    await registerElder(live.api, { idNumber: idNumber('1933-07-07', 'MALE', FENG.slice(0, 6)), name: '周十', hukouVillageCode: FENG_V1 });
    const page = await feng.drain(start, ['ELDER']);
    expect(page.changes.length).toBeGreaterThan(0);
    const rows = (await logged()).slice(before);
    expect(rows.reduce((n, r) => n + r.rows, 0)).toBe(page.changes.length);
    expect(rows.at(-1)).toMatchObject({ subject: `system_client@${FENG}`, entity_type: 'Feed', region_code: FENG, fields: ['elders'], reason: 'change feed page' });
  });

  test('a facility that moves takes its stays out of the county with it', async () => {
    const feng = feedOf(live.api, 'SYSTEM_CLIENT', FENG);
    const { cursor } = await feng.drain(null, ['FACILITY', 'STAY']);
    const elder = await registerElder(live.api, { idNumber: idNumber('1939-09-09', 'MALE', PEI.slice(0, 6)), name: '孙七', hukouVillageCode: PEI_V1 });
    const facility = await registerFacility(live.api, { name: `丰县敬老院 ${Date.now()}`, villageCode: FENG_V1 });
    const stay = await live.api.gql(`mutation ($i: AdmitInput!) { admitElder(input: $i) { id } }`, { i: { elderId: elder.id, facilityId: facility.id, admittedOn: '2026-02-01' } });
    expect(stay.errors).toBeUndefined();
    const before = await feng.drain(cursor, ['FACILITY', 'STAY']);
    // A 沛县 elder living in a 丰县 facility: the stay is 丰县's to see.
    expect(before.changes.map((c) => [c.type, c.operation])).toEqual([['FACILITY', 'UPSERT'], ['STAY', 'UPSERT']]);
    const moved = await live.api.gql(`mutation ($id: ID!) { updateFacility(id: $id, input: { villageCode: "${PEI_V1}" }) { id } }`, { id: facility.id });
    expect(moved.errors).toBeUndefined();
    const after = await feng.drain(before.cursor, ['FACILITY', 'STAY']);
    expect(after.changes.map((c) => [c.type, c.id, c.operation])).toEqual([
      ['FACILITY', facility.id, 'LEFT_SCOPE'],
      ['STAY', stay.data!.admitElder.id, 'LEFT_SCOPE'],
    ]);
  });

  test('RESYNC_REQUIRED for a cursor of another jurisdiction, another server, another database or the future; BAD_USER_INPUT for garbage', async () => {
    const empty = await feedOf(live.api, 'SYSTEM_CLIENT', FENG).page('', 10);
    expect([errorCodes(empty), empty.errors?.[0]?.extensions?.field]).toEqual([['BAD_USER_INPUT'], 'after']); // not "from the beginning"
    const feng = feedOf(live.api, 'SYSTEM_CLIENT', FENG);
    const pei = feedOf(live.api, 'SYSTEM_CLIENT', PEI);
    const { cursor } = await feng.drain(null, ['FACILITY']);
    expect(errorCodes(await pei.page(cursor))).toEqual(['RESYNC_REQUIRED']);
    const [body, signature] = cursor.split('.');
    const forged = `${body}.${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(errorCodes(await feng.page(forged))).toEqual(['RESYNC_REQUIRED']);
    expect(errorCodes(await feng.page('not-a-cursor'))).toEqual(['BAD_USER_INPUT']);
    const epoch = await databaseEpoch(live.db.pool);
    const restored = encodeCursor({ epoch: 'another-database', jurisdiction: FENG, xid: '10', seq: '1', snapshot: null });
    expect(errorCodes(await feng.page(restored))).toEqual(['RESYNC_REQUIRED']);
    const future = encodeCursor({ epoch, jurisdiction: FENG, xid: '999999999999', seq: '1', snapshot: null });
    expect(errorCodes(await feng.page(future))).toEqual(['RESYNC_REQUIRED']);
    // The same cursor still works for its own jurisdiction.
    expect((await feng.page(cursor)).errors).toBeUndefined();
  });

  test('only sync:pull holders may follow the feed, and only the kinds they may read', async () => {
    expect(errorCodes(await feedOf(live.api, 'FINANCE_OFFICER', FENG).page(null, 10))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await feedOf(live.api, 'VILLAGE_VERIFIER', FENG_V1).page(null, 10))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await feedOf(live.api, 'SYSTEM_CLIENT', FENG).page(null, 0))).toEqual(['BAD_USER_INPUT']);
    expect((await feedOf(live.api, 'SYSTEM_CLIENT', FENG).page(null, 10, ['LEDGER_TRANSACTION'])).errors).toBeUndefined();
  });

  test('the outbox is append-only, even for its owner, and the application role cannot write it', async () => {
    const pool = live.db.pool;
    expect((await pool.query(`select count(*)::int as n from sync.change`)).rows[0].n).toBeGreaterThan(0);
    for (const statement of [`update sync.change set entity_id = '0'`, `delete from sync.change`, `truncate sync.change`, `update sync.epoch set epoch = 'x'`]) {
      await expect(pool.query(statement)).rejects.toMatchObject({ code: 'SY000' });
    }
    const client = await pool.connect();
    try {
      await client.query(`begin; set local role sunshine_app`);
      await expect(client.query(`insert into sync.change (entity_type, entity_id, regions) values ('Elder', '1', '{}')`)).rejects.toMatchObject({ code: '42501' });
    } finally {
      await client.query('rollback');
      client.release();
    }
  });
});
