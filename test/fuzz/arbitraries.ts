/**
 * Values for the fuzz test, derived from the schema's own argument types: for every input type a
 * mix of plausible values (so that a request gets past its first check and deeper rules are
 * exercised) and hostile ones (NUL, lone surrogates, huge numbers, impossible dates, ids of
 * built-ins, out-of-scope codes, empty and very long strings). Plausible values are chosen by the
 * argument's name where a name says what it is (regionCode, effectiveDate, month…), so operations
 * added later get sensible values without being listed here.
 */
import fc from 'fast-check';
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLInputType,
} from 'graphql';

/** What the seeded database holds, for plausible values. */
export interface Pools {
  regionCodes: string[];
  villageCodes: string[];
  ids: string[];
  codes: string[];
  payeeIds: string[];
  idNumbers: string[];
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** What values are drawn from, and how often (per 100 values) one is hostile. */
export interface Gen {
  pools: Pools;
  hostilePercent: number;
}

/** Strings every text argument should survive. */
export const HOSTILE_STRINGS: string[] = [
  '', ' ', '\u0000', 'a\u0000b', 'k-\ud800', '\udc00x', 'a\ud800b', '\ud83d', '😀\u0000', '\n', '\t\r', '\u007f', '\u009b', 'a\u0085b', '\u202e反',
  'x'.repeat(5000), '测'.repeat(600),
  '2026-02-30', '2025-02-29', '0000-01-01', '-2026-02-03', '+002026-02-03', '２０２６-０３-０１', '2026-3-1', '99999-01-01', '1879-12-31', '2201-01-01',
  '0000-01', '2026-13', '2026-00', '+02026-01', '２０２６-０１',
  '2026-03-01T25:00:00Z', '2026-03-01T08:00:00+99:00', 'yesterday',
  '3203', '32', '320321', '320321100', '320100000000', '999999999999', '000000000000', '3203 ', '３２０３', '32032100000000000',
  '110101199003074514', '身份证110101199003074514', '13812345678', '电话 138 1234 5678', '+8613812345678',
  "'; drop table ledger.transaction; --", '%', '_', '\\', '$1', '{}', '[]', 'null', 'undefined', 'NaN', 'Infinity',
  '-1', '0', '00012', '1e5', '1.5', '9223372036854775807', '9223372036854775808', '18446744073709551616', '9'.repeat(40),
  'constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty',
  b64('constructor:1'), b64('__proto__:1'), b64('toString:1'), b64('valueOf:1'), b64('hasOwnProperty:1'), b64('Elder:0'),
  b64('Elder:99999999999999999999'), b64('Lot:-1'), b64('LedgerTransaction:1e3'), b64('Region:abc'), b64('Elder:1\u0000'), b64('cursor:x'),
  b64('cursor:99999999999999999999'), b64('Region:'), b64(':1'), '!!!', '====',
];

const HOSTILE_INTS = [0, -1, 1, 2147483647, -2147483648, 101, 501, 10001, 1900, 2101];
const HOSTILE_NUMBERS = [1.5, 1e5, 9007199254740993, -0, 1e308];

/** A hostile value for a type: mostly of the type's own JSON shape, sometimes of another one. */
function hostileFor(type: GraphQLInputType, depth: number, g: Gen): fc.Arbitrary<unknown> {
  const named = getNamedType(type);
  const shapes: fc.Arbitrary<unknown>[] = [fc.constantFrom(...HOSTILE_STRINGS), fc.string({ unit: 'binary', maxLength: 40 })];
  if (isScalarType(named) && (named.name === 'Int' || named.name === 'Float')) shapes.push(fc.constantFrom(...HOSTILE_INTS), fc.integer());
  if (isScalarType(named) && named.name === 'Money') shapes.push(fc.constantFrom(...HOSTILE_NUMBERS), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String));
  if (isEnumType(named)) shapes.push(fc.constant('NOT_A_VALUE'), fc.constant(named.getValues()[0]!.value.toLowerCase()));
  const list = getNullableType(type);
  if (isListType(list)) {
    shapes.push(fc.constant([]), fc.array(valueFor(list.ofType as GraphQLInputType, 'item', depth + 1, g), { minLength: 101, maxLength: 101 }));
  }
  shapes.push(fc.constantFrom<unknown>(null, true, 12, { unexpected: 1 }, []));
  return fc.oneof(...shapes);
}

const ID_TYPE_BY_NAME: Record<string, string> = { allocation: 'LedgerTransaction', transaction: 'LedgerTransaction', reverses: 'LedgerTransaction' };

/** An id of the type the name says (elderId → Elder, allocationId → LedgerTransaction), else of any type. */
function idFor(name: string, pools: Pools): fc.Arbitrary<string> {
  const stem = name.replace(/Ids?$/, '');
  const type = ID_TYPE_BY_NAME[stem] ?? stem.charAt(0).toUpperCase() + stem.slice(1);
  const typed = pools.ids.filter((id) => Buffer.from(id, 'base64url').toString('utf8').startsWith(`${type}:`));
  return fc.constantFrom(...(typed.length ? typed : pools.ids));
}

/** A plausible value for a scalar, by its type and by what its name says. */
function plausibleScalar(scalar: string, name: string, g: Gen): fc.Arbitrary<unknown> {
  const n = name.toLowerCase();
  if (scalar === 'Boolean') return fc.boolean();
  if (scalar === 'Int' || scalar === 'Float') {
    if (n === 'first') return fc.constantFrom(0, 1, 10, 50);
    if (n.includes('year')) return fc.constantFrom(2026, 2025);
    if (n.includes('star') || n.includes('level')) return fc.integer({ min: 1, max: 5 });
    if (n.includes('beds') || n.includes('count') || n.includes('capacity')) return fc.integer({ min: 0, max: 200 });
    return fc.integer({ min: 0, max: 4 });
  }
  if (scalar === 'Money') return fc.constantFrom('1', '100', '2500', '0');
  if (scalar === 'ID' || (n.endsWith('id') && n !== 'payeeid')) return idFor(name, g.pools);
  // String: what the name says it is.
  if (n.includes('village')) return fc.constantFrom(...g.pools.villageCodes);
  if (n.includes('regioncode') || n === 'code' || n === 'within' || n === 'parentcode') return fc.constantFrom(...g.pools.regionCodes);
  if (n === 'month' || n.endsWith('month')) return fc.constantFrom('2026-03', '2026-01', '2025-12');
  if (n.endsWith('date') || n.endsWith('on') || n === 'asof' || n === 'from' || n === 'to' || n.startsWith('effective') || n.startsWith('valid') || n.endsWith('since') || n.endsWith('until')) {
    return fc.constantFrom('2026-03-15', '2026-03-01', '1950-05-05');
  }
  if (n === 'idempotencykey') return fc.uuid().map((u) => `fuzz-${u}`);
  if (n === 'idnumber') return fc.constantFrom(...g.pools.idNumbers);
  if (n === 'payeeid') return fc.constantFrom(...g.pools.payeeIds);
  if (n === 'fundline') return fc.constantFrom('SENIOR_ALLOWANCE', 'OPERATIONS');
  if (n === 'benefitcode') return fc.constant('SA_MONTHLY');
  if (n === 'phone') return fc.constant('13800001234');
  if (n === 'name' || n.endsWith('name')) return fc.constantFrom('张三', '王秀英');
  if (n.includes('reason') || n === 'memo' || n === 'documentno') return fc.constantFrom('核对补贴发放', '苏财社〔2026〕3号');
  if (n === 'fromseq' || n === 'toseq') return fc.constantFrom('1', '2', '5');
  if (n === 'after') return fc.constantFrom(...g.pools.ids);
  return fc.oneof(fc.constantFrom(...g.pools.codes), fc.constant('测试'));
}

/** Plausible values, and now and then (g.hostilePercent) a hostile one, for any input type (recursively). */
export function valueFor(type: GraphQLInputType, name: string, depth: number, g: Gen): fc.Arbitrary<unknown> {
  const nullable = !isNonNullType(type);
  const inner = getNullableType(type) as GraphQLInputType;
  let plausible: fc.Arbitrary<unknown>;
  if (isListType(inner)) {
    plausible = depth > 3 ? fc.constant([]) : fc.array(valueFor(inner.ofType as GraphQLInputType, name, depth + 1, g), { maxLength: 3 });
  } else if (isInputObjectType(inner)) {
    plausible = depth > 3 ? fc.constant({}) : objectFor(Object.values(inner.getFields()), depth + 1, g);
  } else if (isEnumType(inner)) {
    plausible = fc.constantFrom(...inner.getValues().map((v) => v.name));
  } else {
    plausible = plausibleScalar(inner.name, name, g);
  }
  const options = [{ weight: 100 - g.hostilePercent, arbitrary: plausible }, { weight: g.hostilePercent, arbitrary: hostileFor(type, depth, g) }];
  if (nullable) options.push({ weight: 5, arbitrary: fc.constant(null) });
  return fc.oneof(...options);
}

/** An object of argument (or input-field) values: required ones always, optional ones sometimes. */
export function objectFor(fields: readonly { name: string; type: GraphQLInputType }[], depth: number, g: Gen): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.fromEntries(fields.map((f) => [f.name, valueFor(f.type, f.name, depth, g)]));
  const requiredKeys = fields.filter((f) => isNonNullType(f.type)).map((f) => f.name);
  return fc.record(entries, { requiredKeys });
}

