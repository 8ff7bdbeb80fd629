/**
 * Fuzz: every argument of every query and mutation in the schema, derived from the built schema
 * itself (so operations added later are fuzzed without being listed), with plausible and hostile
 * values, through the HTTP API as several roles. For every answer: no 5xx, no
 * INTERNAL_SERVER_ERROR, no stack trace or SQL text; and a rejected request wrote no row in any
 * table of any non-system schema. Bounded in time (FUZZ_SECONDS, default 45); FUZZ_SEED replays a run.
 */
import fc from 'fast-check';
import { getNamedType, isObjectType, type GraphQLField, type GraphQLNamedType, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { createSchema } from '../../api/schema.js';
import { toGlobalId } from '../../api/relay.js';
import { Ledger } from '../../ledger/ledger.js';
import type { Role } from '../../auth/roles.js';
import { pino } from 'pino';
import { createApp, type App } from '../../api/server.js';
import { secretKeySet } from '../../auth/tokens.js';
import { DEFAULT_LIMITS } from '../../api/hardening.js';
import { createTestDatabase, firstRegionBelow, type TestDatabase } from '../support/database.js';
import { authHeader, TEST_JWT_SECRET, type GraphQLResponse, type TestApi } from '../support/api.js';
import { idNumber, registerElder, registerFacility } from '../registry/support.js';
import { objectFor, type Gen, type Pools } from './arbitraries.js';
import { CITY, FENG, PEI } from '../fixtures/index.js';

/** The server's error log, kept so that a failure shows the internal error behind INTERNAL_SERVER_ERROR. */
const serverErrors: string[] = [];
const live = {} as { db: TestDatabase; app: App; url: string; api: { gql: (q: string, v?: Record<string, unknown>) => Promise<GraphQLResponse> } };

async function send(url: string, headers: Record<string, string>, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const text = await response.text();
  try {
    return { status: response.status, ...JSON.parse(text) };
  } catch {
    return { status: response.status, errors: [{ message: `not JSON: ${text.slice(0, 200)}` }] };
  }
}

beforeAll(async () => {
  live.db = await createTestDatabase({ withXuzhou: true });
  const log = pino({ level: 'error' }, { write: (line: string) => void serverErrors.push(line) });
  live.app = await createApp({ pool: live.db.pool, sql: live.db.sql, log, production: false, keySet: secretKeySet(TEST_JWT_SECRET), limits: { ...DEFAULT_LIMITS, requestsPerMinute: 0, costPerMinute: 0 } });
  live.url = await live.app.listen(0, '127.0.0.1');
  const admin = await authHeader('CITY_ADMIN');
  live.api = { gql: (query, variables) => send(live.url, admin, query, variables) };
});

afterAll(async () => {
  await live.app?.stop();
  await live.db?.drop();
});
const A = FENG; // 丰县
const B = PEI; // 沛县
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 45);

/** Text in an error that would betray internals: stack frames, source paths, SQL and PostgreSQL messages. */
const LEAK = /\n\s+at |\bat [\w.<>]+ \(|\.(ts|js):\d+|node_modules|SQLSTATE|syntax error at|violates|duplicate key|relation "|column "|out of range for type|bigint out of range|invalid input syntax|invalid byte sequence|pg_advisory|select .* from /i;

let pools: Pools;
let failure = '';
let fingerprintSql: string;

async function seed(): Promise<Pools> {
  const ledger = new Ledger(live.db.pool);
  let n = 0;
  const key = (p: string) => `seed-${p}-${++n}`;
  const villageA = await firstRegionBelow(live.db.pool, A, 'VILLAGE');
  const villageB = await firstRegionBelow(live.db.pool, B, 'VILLAGE');
  const townA = await firstRegionBelow(live.db.pool, A, 'TOWN');
  const ids: string[] = [];
  const payeeIds = ['P-1'];
  for (const [county, village] of [[A, villageA], [B, villageB]] as const) {
    const app = await ledger.appropriate({ idempotencyKey: key('app'), effectiveDate: '2026-03-01', regionCode: CITY, fundLine: 'SENIOR_ALLOWANCE', amount: 100_000_000n, fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕1号' }, 'seed');
    const rootLot = app.transaction.postings[0]!.lotId;
    const alloc = await ledger.allocate({ idempotencyKey: key('alloc'), effectiveDate: '2026-03-02', fromRegionCode: CITY, toRegionCode: county, fundLine: 'SENIOR_ALLOWANCE', amount: 10_000_000n, documentNo: '徐财社〔2026〕7号', lotId: rootLot }, 'seed');
    const pending = await ledger.allocate({ idempotencyKey: key('alloc'), effectiveDate: '2026-03-02', fromRegionCode: CITY, toRegionCode: county, fundLine: 'SENIOR_ALLOWANCE', amount: 1_000n, documentNo: '徐财社〔2026〕8号', lotId: rootLot }, 'seed');
    const receipt = await ledger.receiveAllocation({ idempotencyKey: key('recv'), effectiveDate: '2026-03-05', allocationId: alloc.transaction.id }, 'seed');
    const lot = receipt.transaction.postings.find((p) => p.regionCode === county)!.lotId;
    const pay = await ledger.disburse({ idempotencyKey: key('pay'), effectiveDate: '2026-03-10', regionCode: county, fundLine: 'SENIOR_ALLOWANCE', amount: 100n, payeeType: 'PERSON', payeeId: 'P-1', serviceMonth: '2026-03', benefitCode: 'SA_MONTHLY', villageCode: village, lotId: lot }, 'seed');
    for (const t of [app, alloc, pending, receipt, pay]) ids.push(toGlobalId('LedgerTransaction', t.transaction.id));
    ids.push(toGlobalId('Lot', rootLot), toGlobalId('Lot', lot));
    const elder = await registerElder(live.api as TestApi, { idNumber: idNumber('1944-06-15', 'MALE', county.slice(0, 6)), name: '张三', hukouVillageCode: village, phone: '13800001234' });
    const facility = await registerFacility(live.api as TestApi, { name: '敬老院', villageCode: village });
    const caregiver = await live.api.gql(`mutation ($i: RegisterCaregiverInput!) { registerCaregiver(input: $i) { id } }`, { i: { name: '护理员', regionCode: county } });
    ids.push(elder.id, facility.id, caregiver.data!.registerCaregiver.id, toGlobalId('Region', county), toGlobalId('Region', village));
    payeeIds.push(elder.registryNo, facility.registryNo);
  }
  const reference = await live.api.gql(`{ specialCategories { code } facilityTypes { code } serviceTypes { code } }`);
  const codes = [...reference.data!.specialCategories, ...reference.data!.facilityTypes, ...reference.data!.serviceTypes].map((r: { code: string }) => r.code);
  return {
    regionCodes: [CITY, A, B, '3203', '320321', townA, villageA, '320100000000'],
    villageCodes: [villageA, villageB],
    ids,
    codes,
    payeeIds,
    idNumbers: [idNumber('1950-01-01', 'FEMALE', '320321')],
  };
}

/** Row counts of every table of every non-system schema, as one string. */
async function fingerprint(): Promise<string> {
  const { rows } = await live.db.pool.query(fingerprintSql);
  return rows.map((r) => `${r.t}=${r.n}`).join(',');
}

async function buildFingerprintSql(): Promise<string> {
  const { rows } = await live.db.pool.query<{ schema: string; table: string }>(
    `select table_schema as schema, table_name as table from information_schema.tables
     where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') and table_schema not like 'pg\\_%'
     order by 1, 2`,
  );
  return rows.map((r) => `select '${r.schema}.${r.table}' as t, count(*)::text as n from "${r.schema}"."${r.table}"`).join(' union all ');
}

type Field = GraphQLField<unknown, unknown>;

/**
 * One operation and the fields with arguments it can select (those of its result type, and of the
 * `nodes` of a connection), whose arguments are fuzzed too: `elder(id:) { age(asOf:) }`.
 */
interface Operation {
  kind: 'query' | 'mutation';
  field: Field;
  /** Path of object fields to the selected field with arguments, e.g. ['nodes', 'age']. */
  nested: { path: string[]; field: Field }[];
}

const fieldsWithArgs = (type: GraphQLNamedType) => (isObjectType(type) ? Object.values(type.getFields()).filter((f) => f.args.length > 0) : []);

function nestedOf(type: GraphQLNamedType): Operation['nested'] {
  const direct = fieldsWithArgs(type).map((field) => ({ path: [field.name], field }));
  const nodes = isObjectType(type) ? type.getFields().nodes : undefined;
  const inNodes = nodes ? fieldsWithArgs(getNamedType(nodes.type)).map((field) => ({ path: ['nodes', field.name], field })) : [];
  return [...direct, ...inNodes];
}

function operationsOf(schema: GraphQLSchema): Operation[] {
  const of = (kind: Operation['kind'], type: GraphQLObjectType | null | undefined) =>
    Object.values(type?.getFields() ?? {}).map((field) => ({ kind, field, nested: nestedOf(getNamedType(field.type)) }));
  return [...of('query', schema.getQueryType()), ...of('mutation', schema.getMutationType())];
}

const call = (field: Field, present: string[], prefix: string) => {
  const args = field.args.filter((a) => present.includes(a.name));
  return { args, text: args.length ? `(${args.map((a) => `${a.name}: $${prefix}${a.name}`).join(', ')})` : '' };
};

/** The selection of a nested field with arguments at `path`, with __typename around it. */
function selectionAt(path: string[], text: string): string {
  const [head, ...rest] = path;
  return rest.length ? `{ __typename ${head} ${selectionAt(rest, text)} }` : `{ __typename ${text} }`;
}

/**
 * The document of one request: every argument a variable; the smallest selection the result type
 * allows, or the chosen nested field with arguments (its variables prefixed n_).
 */
function documentOf(op: Operation, present: string[], nested: { index: number; present: string[] } | null): string {
  const root = call(op.field, present, '');
  const definitions = root.args.map((a) => `$${a.name}: ${String(a.type)}`);
  const named = getNamedType(op.field.type);
  let selection = isObjectType(named) || !('serialize' in named) ? ' { __typename }' : '';
  const chosen = nested ? op.nested[nested.index] : undefined;
  if (chosen && nested) {
    const inner = call(chosen.field, nested.present, 'n_');
    definitions.push(...inner.args.map((a) => `$n_${a.name}: ${String(a.type)}`));
    const leaf = getNamedType(chosen.field.type);
    const leafSelection = isObjectType(leaf) || !('serialize' in leaf) ? ' { __typename }' : '';
    selection = ` ${selectionAt(chosen.path, `${chosen.field.name}${inner.text}${leafSelection}`)}`;
  }
  return `${op.kind} Fuzz${definitions.length ? `(${definitions.join(', ')})` : ''} { ${op.field.name}${root.text}${selection} }`;
}

const CALLERS: { role: Role; jurisdiction: () => string }[] = [
  { role: 'CITY_ADMIN', jurisdiction: () => CITY },
  { role: 'FINANCE_OFFICER', jurisdiction: () => A },
  { role: 'CIVIL_AFFAIRS_OFFICER', jurisdiction: () => A },
  { role: 'VILLAGE_VERIFIER', jurisdiction: () => pools.villageCodes[0]! },
  { role: 'AUDITOR', jurisdiction: () => CITY },
  { role: 'SYSTEM_CLIENT', jurisdiction: () => A },
];

function problemsOf(response: GraphQLResponse, raw: string): string[] {
  const problems: string[] = [];
  if (response.status >= 500) problems.push(`HTTP ${response.status}`);
  for (const error of response.errors ?? []) {
    if (!error.extensions?.code || error.extensions.code === 'INTERNAL_SERVER_ERROR') problems.push(`code ${String(error.extensions?.code)}: ${error.message}`);
    // Bad input names its field (graphql-js's "too many errors" is about the whole request).
    if (error.extensions?.code === 'BAD_USER_INPUT' && !error.extensions.field && !/^Too many errors processing variables/.test(error.message)) {
      problems.push(`BAD_USER_INPUT without extensions.field: ${error.message.slice(0, 300)}`);
    }
  }
  const errorsText = JSON.stringify(response.errors ?? []);
  if (LEAK.test(errorsText)) problems.push(`internal detail in errors: ${errorsText.slice(0, 300)}`);
  if (/"stacktrace"|exception/.test(raw)) problems.push('stack trace in the answer');
  return problems;
}

test(
  'every argument of every operation: no internal error, no 5xx, no leak, and a rejected request writes nothing',
  async () => {
    pools = await seed();
    fingerprintSql = await buildFingerprintSql();
    const schema = await createSchema();
    const operations = operationsOf(schema);
    const headers = await Promise.all(CALLERS.map((c) => authHeader(c.role, c.jurisdiction())));
    const callFor = (role: number) => (query: string, variables: Record<string, unknown>) => send(live.url, headers[role]!, query, variables);
    // Three temperaments: mostly plausible (reaching the deep rules), mixed, and mostly hostile.
    const gens: Gen[] = [2, 10, 35].map((hostilePercent) => ({ pools, hostilePercent }));
    const argsOf = (field: Field) => fc.oneof(...gens.map((g) => objectFor(field.args, 0, g)));
    const seen = { requests: 0, rejected: 0, ok: 0 };
    const deadline = Date.now() + SECONDS * 1000;
    const codes = new Map<string, number>();
    let last: string | null = null; // the fingerprint after the previous request, when known

    // Operations take turns (run i fuzzes operation i mod N), so every one is reached within the
    // time bound however slow the machine; each run draws its values from its own seed, so a
    // FUZZ_SEED replays the same sequence.
    const draws = operations.map((op) => {
      const nested = op.nested.length
        ? fc.option(fc.integer({ min: 0, max: op.nested.length - 1 }).chain((n) => fc.record({ n: fc.constant(n), args: argsOf(op.nested[n]!.field) })), { freq: 2 })
        : fc.constant(null);
      return fc.record({ args: argsOf(op.field), nested });
    });
    const tried = new Set<number>();
    let turn = 0;
    const request = fc.record({ role: fc.integer({ min: 0, max: CALLERS.length - 1 }), valueSeed: fc.integer() });
    await fc.assert(
      fc.asyncProperty(request, async ({ role, valueSeed }) => {
        if (Date.now() > deadline) return true; // the time bound: remaining runs are skipped
        const index = turn++ % operations.length;
        tried.add(index);
        const op = operations[index]!;
        const { args, nested } = fc.sample(draws[index]!, { seed: valueSeed, numRuns: 1 })[0]!;
        const query = documentOf(op, Object.keys(args), nested ? { index: nested.n, present: Object.keys(nested.args) } : null);
        const variables = { ...args, ...Object.fromEntries(Object.entries(nested?.args ?? {}).map(([k, v]) => [`n_${k}`, v])) };
        const before = last ?? (await fingerprint());
        last = null;
        serverErrors.length = 0;
        const response = await callFor(role)(query, variables);
        seen.requests++;
        const problems = problemsOf(response, JSON.stringify(response));
        for (const e of response.errors ?? []) {
          const label = process.env.FUZZ_VERBOSE === 'fields' ? `${op.field.name}:${e.extensions?.code}:${e.extensions?.field ?? ''}` : `${e.extensions?.code}`;
          codes.set(label, (codes.get(label) ?? 0) + 1);
        }
        // Rejected: refused before or by the operation itself (no path: parse, validation, variables;
        // or an error at the root field). An error in a nested field does not undo the work of its
        // parent (a committed payment, a logged look-up), so it does not count.
        const rejected = (response.errors ?? []).some((e) => !e.path || (e.path.length === 1 && e.path[0] === op.field.name));
        if (rejected) {
          seen.rejected++;
          const after = await fingerprint();
          if (after !== before) problems.push(`a rejected ${op.kind} wrote rows: ${diff(before, after)}`);
          last = after;
        } else seen.ok++;
        if (problems.length) {
          const logged = serverErrors.map((line) => JSON.parse(line) as { err?: { message?: string; stack?: string } });
          const causes = logged.map((l) => l.err?.stack?.split('\n').slice(0, 4).join(' | ') ?? '').join('\n');
          failure = `${CALLERS[role]!.role} ${query}\nvariables ${JSON.stringify(variables).slice(0, 1500)}\n${problems.join('\n')}\nserver log: ${causes}`;
          return false;
        }
        return true;
      }),
      {
        numRuns: 100_000,
        seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
        endOnFailure: true,
        interruptAfterTimeLimit: SECONDS * 1000,
        // The counterexample itself can be megabytes (101-line batches): report the one request, readably.
        asyncReporter: async (details) => {
          if (details.failed) throw new Error(`fuzz failure (seed ${details.seed}, path ${details.counterexamplePath}):\n${failure}`);
        },
      },
    );
    if (process.env.FUZZ_VERBOSE) console.log(`fuzz: ${seen.requests} requests over ${operations.length} operations, ${seen.rejected} rejected, ${seen.ok} answered; error codes ${JSON.stringify([...codes])}`);
    // The run must have reached every operation and both outcomes, or it proved little.
    expect(tried.size).toBe(operations.length);
    expect(seen.rejected).toBeGreaterThan(0);
    expect(seen.ok).toBeGreaterThan(0);
  },
  (SECONDS + 60) * 1000,
);

function diff(before: string, after: string): string {
  const a = new Map(before.split(',').map((kv) => kv.split('=') as [string, string]));
  return after.split(',').filter((kv) => { const [t, n] = kv.split('='); return a.get(t!) !== n; }).join(', ');
}
