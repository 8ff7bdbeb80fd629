/** The registry's pure rules: GB 11643 ID numbers, masking, encryption, GB/T 42195 scoring, derived bands. */
import fc from 'fast-check';
import { checkCharacter, makeIdNumber, parseIdNumber, requireAgreement } from '../../platform/id-number.js';
import { maskBirthDate, maskIdNumber, maskName, maskPhone, normalisePhone, parseKeyRing, Pii } from '../../registry/personal/pii.js';
import { DIMENSIONS, ITEMS, levelFromTotal, scoreAssessment } from '../../registry/assessment.js';
import { ageAt, ageBand, ageOn, allowanceBand, birthRangeOfAges, endOfPreviousMonth } from '../../registry/derived.js';
import { DomainError } from '../../platform/errors.js';

const fieldOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof DomainError ? `${error.code}:${error.field}` : `other:${String(error)}`;
  }
  return 'ok';
};

describe('GB 11643 ID numbers', () => {
  test('the published example and numbers built with the check character are valid', () => {
    const example = parseIdNumber('11010519491231002X');
    expect(example).toMatchObject({ value: '11010519491231002X', birthDate: '1949-12-31', sex: 'FEMALE', converted: false, addressCode: '110105' });
    expect(parseIdNumber('11010519491231002x').value).toBe('11010519491231002X');
    const built = makeIdNumber('320321', '1940-05-12', 123, 'MALE');
    expect(parseIdNumber(built)).toMatchObject({ birthDate: '1940-05-12', sex: 'MALE' });
  });

  test('every wrong check character is refused', () => {
    const good = makeIdNumber('320322', '1938-02-28', 456, 'FEMALE');
    for (const c of '0123456789X') {
      if (c === good[17]) continue;
      expect(fieldOf(() => parseIdNumber(good.slice(0, 17) + c))).toBe('BAD_USER_INPUT:idNumber');
    }
  });

  test('a single changed digit is always detected (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 999 }), (pos, delta, seq) => {
        const good = makeIdNumber('320321', '1945-07-15', seq, seq % 2 ? 'MALE' : 'FEMALE');
        const digit = (Number(good[pos]) + delta) % 10;
        const changed = good.slice(0, pos) + digit + good.slice(pos + 1);
        // A changed digit may also break the region or the date; either way it must not pass.
        expect(() => parseIdNumber(changed)).toThrow(DomainError);
      }),
    );
  });

  test('region, birth date and format are checked; messages never contain the number', () => {
    const cases: [string, RegExp][] = [
      [makeIdNumber('990000', '1950-01-01', 1, 'MALE').replace(/^99/, '00'), /region/],
      [makeIdNumber('320000', '1950-01-01', 1, 'MALE'), /region/],
      ['32032119500230001' + checkCharacter('32032119500230001'), /birth date/],
      ['32032118700101001' + checkCharacter('32032118700101001'), /birth date/],
      ['32032129990101001' + checkCharacter('32032129990101001'), /future/],
      ['3203211950010100', /18 characters/],
      ['32032119500101001Y', /18 characters/],
    ];
    for (const [input, message] of cases) {
      let error: Error | undefined;
      try {
        parseIdNumber(input);
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message).toMatch(message);
      expect(error!.message).not.toContain(input);
    }
  });

  test('15-digit legacy numbers are converted to 18 (19 inserted, check character computed)', () => {
    const parsed = parseIdNumber('320321400512123');
    const first17 = '32032119400512123';
    expect(parsed).toMatchObject({ value: first17 + checkCharacter(first17), converted: true, birthDate: '1940-05-12', sex: 'MALE' });
    expect(fieldOf(() => parseIdNumber('320321401332123'))).toBe('BAD_USER_INPUT:idNumber');
  });

  test('birth date and sex must agree with the number', () => {
    const parsed = parseIdNumber(makeIdNumber('320321', '1940-05-12', 123, 'MALE'));
    expect(fieldOf(() => requireAgreement(parsed, { birthDate: '1940-05-12', sex: 'MALE' }))).toBe('ok');
    expect(fieldOf(() => requireAgreement(parsed, { birthDate: '1940-05-13' }))).toBe('BAD_USER_INPUT:birthDate');
    expect(fieldOf(() => requireAgreement(parsed, { sex: 'FEMALE' }))).toBe('BAD_USER_INPUT:sex');
  });
});

describe('masking and encryption', () => {
  test('masked forms', () => {
    expect(maskIdNumber('32032119400512123X')).toBe('3203**********123X');
    expect(maskName('张三')).toBe('张*');
    expect(maskName('王小明')).toBe('王**');
    expect(maskName('欧阳娜娜')).toBe('欧阳**');
    expect(maskName('欧阳')).toBe('欧*');
    expect(maskName('李')).toBe('*');
    expect(maskPhone('13812341234')).toBe('138****1234');
    expect(maskPhone('051683451234')).toBe('0516****1234');
    // 3-digit area codes (010, 02x): the area code and the last four, nothing of the local number before them
    expect(maskPhone('01062751234')).toBe('010****1234');
    expect(maskPhone('02161231234')).toBe('021****1234');
    expect(maskPhone('05168345123')).toBe('0516***5123');
    expect(maskBirthDate('1940-05-12')).toBe('1940-05-**');
    expect(normalisePhone('+86 138 1234 1234')).toBe('13812341234');
    expect(normalisePhone('0516-83451234')).toBe('051683451234');
    expect(normalisePhone('12345')).toBeNull();
  });

  test('AES-256-GCM round trip, bound to its field; keys rotate by id; HMAC is keyed', () => {
    const k1 = Buffer.alloc(32, 1).toString('base64');
    const k2 = Buffer.alloc(32, 2).toString('base64url');
    const hmacKey = Buffer.alloc(32, 3);
    const old = new Pii({ ...parseKeyRing(`old:${k1}`), hmacKey });
    const sealed = old.encrypt('32032119400512123X', 'elder.id_number');
    expect(sealed.includes(Buffer.from('32032119400512123X'))).toBe(false);
    const rotated = new Pii({ ...parseKeyRing(`new:${k2},old:${k1}`), hmacKey });
    expect(rotated.currentKeyId).toBe('new');
    expect(rotated.decrypt(sealed, 'old', 'elder.id_number')).toBe('32032119400512123X');
    expect(() => rotated.decrypt(sealed, 'old', 'elder.name')).toThrow();
    expect(() => rotated.decrypt(sealed, 'new', 'elder.id_number')).toThrow();
    expect(rotated.idHash('X').equals(old.idHash('X'))).toBe(true);
    expect(new Pii({ ...parseKeyRing(k1), hmacKey: Buffer.alloc(32, 4) }).idHash('X').equals(old.idHash('X'))).toBe(false);
    expect(() => parseKeyRing('c2hvcnQ=')).toThrow(/32 bytes/);
  });
});

const allMax = () => Object.fromEntries(ITEMS.map((i) => [i.code, i.max]));

/** Items summing to `total`, filled from the last item backwards, keeping 意识水平 (B3.9) at 2 (not coma). */
function itemsWithTotal(total: number): Record<string, number> {
  const items = allMax();
  let surplus = 90 - total;
  for (const item of [...ITEMS].reverse()) {
    if (item.code === 'B3.9') continue;
    const take = Math.min(item.max, surplus);
    items[item.code] = item.max - take;
    surplus -= take;
  }
  if (surplus > 0) throw new Error('unreachable total');
  return items;
}

describe('GB/T 42195-2022 scoring', () => {
  test('26 items in 4 dimensions with maxima 32 / 15 / 28 / 15 = 90', () => {
    expect(ITEMS).toHaveLength(26);
    expect(DIMENSIONS.map((d) => d.items.reduce((s, i) => s + i.max, 0))).toEqual([32, 15, 28, 15]);
    const full = scoreAssessment({ items: allMax() });
    expect(full).toMatchObject({ total: 90, preliminaryLevel: 0, finalLevel: 0, adjustments: [], dimensions: { selfCare: 32, mobility: 15, mentalState: 28, perceptionSocial: 15 } });
  });

  test.each([
    [90, 0], [89, 1], [66, 1], [65, 2], [46, 2], [45, 3], [30, 3], [29, 4], [2, 4],
  ])('total %i → level %i', (total, level) => {
    expect(levelFromTotal(total)).toBe(level);
    expect(scoreAssessment({ items: itemsWithTotal(total) })).toMatchObject({ total, preliminaryLevel: level, finalLevel: level });
  });

  test('property: level is monotone in the total and matches the boundaries 90/66/46/30', () => {
    fc.assert(
      fc.property(fc.record(Object.fromEntries(ITEMS.map((i) => [i.code, fc.integer({ min: 0, max: i.max })]))), (items) => {
        const s = scoreAssessment({ items: { ...items, 'B3.9': Math.max(1, items['B3.9']!) } });
        const expected = s.total === 90 ? 0 : s.total >= 66 ? 1 : s.total >= 46 ? 2 : s.total >= 30 ? 3 : 4;
        expect(s.preliminaryLevel).toBe(expected);
        expect(s.total).toBe(s.dimensions.selfCare + s.dimensions.mobility + s.dimensions.mentalState + s.dimensions.perceptionSocial);
        expect(s.finalLevel).toBe(s.preliminaryLevel);
      }),
    );
  });

  test('adjustments: coma → 4; dementia or ≥ 2 risk events → one level worse (once), capped at 4', () => {
    const coma = scoreAssessment({ items: { ...allMax(), 'B3.9': 0 } });
    expect(coma).toMatchObject({ total: 88, preliminaryLevel: 1, finalLevel: 4, adjustments: ['COMA'], coma: true });
    expect(scoreAssessment({ items: allMax(), diagnoses: ['F00.1'] })).toMatchObject({ finalLevel: 1, adjustments: ['DEMENTIA_OR_MENTAL_DISORDER'] });
    expect(scoreAssessment({ items: allMax(), diagnoses: ['I10'] })).toMatchObject({ finalLevel: 0, adjustments: [] });
    expect(scoreAssessment({ items: itemsWithTotal(66), riskEventCount: 1 })).toMatchObject({ finalLevel: 1 });
    expect(scoreAssessment({ items: itemsWithTotal(66), riskEventCount: 2 })).toMatchObject({ finalLevel: 2, adjustments: ['RISK_EVENTS'] });
    expect(scoreAssessment({ items: itemsWithTotal(46), diagnoses: ['F03'], riskEventCount: 3 })).toMatchObject({ preliminaryLevel: 2, finalLevel: 3 });
    expect(scoreAssessment({ items: itemsWithTotal(29), diagnoses: ['F01'] })).toMatchObject({ preliminaryLevel: 4, finalLevel: 4 });
  });

  test('every item is required and bounded; items may be named by code or key', () => {
    expect(fieldOf(() => scoreAssessment({ items: { ...allMax(), 'B2.4': 4 } }))).toBe('BAD_USER_INPUT:items.stairs');
    const { 'B1.1': _dropped, ...missing } = allMax();
    expect(fieldOf(() => scoreAssessment({ items: missing }))).toBe('BAD_USER_INPUT:items.eating');
    expect(fieldOf(() => scoreAssessment({ items: { ...allMax(), bogus: 1 } }))).toBe('BAD_USER_INPUT:items.bogus');
    expect(fieldOf(() => scoreAssessment({ items: allMax(), diagnoses: ['dementia'] }))).toBe('BAD_USER_INPUT:diagnoses.0');
    const byKey = Object.fromEntries(ITEMS.map((i) => [i.key, i.max]));
    expect(scoreAssessment({ items: byKey }).total).toBe(90);
  });
});

describe('derived bands', () => {
  test('age and service age band (half-open 60/70/80)', () => {
    expect(ageAt('1946-11-23', '2026-11-22')).toBe(79);
    expect(ageAt('1946-11-23', '2026-11-23')).toBe(80);
    expect(ageAt('1944-02-29', '2025-02-28')).toBe(80);
    expect(ageAt('1944-02-29', '2025-03-01')).toBe(81);
    expect([59, 60, 69, 70, 79, 80, 104].map(ageBand)).toEqual([null, 'ACTIVE_60_69', 'ACTIVE_60_69', 'COMFORT_70_79', 'COMFORT_70_79', 'SECURE_80_PLUS', 'SECURE_80_PLUS']);
  });

  test('ageOn: at the end of asOf’s month, stopped at death, null before the birth month; the age filters agree with it', () => {
    expect(ageOn('1944-06-15', '1944-05-31')).toBeNull();
    expect(ageOn('1944-06-15', '1900-01-01')).toBeNull();
    expect(ageOn('1944-06-15', '1944-06-01')).toBe(0);
    expect(ageOn('1944-06-15', '2026-06-01')).toBe(82);
    expect(ageOn('1944-06-15', '2030-01-01', '2026-02-03')).toBe(81);
    // Every date of a year around the birth: an elder is in [min, max] by birthRangeOfAges exactly when ageOn says so.
    const birth = '1944-06-15';
    for (let day = Date.parse('1943-06-01'); day <= Date.parse('1945-07-31'); day += 86_400_000 * 3) {
      const asOf = new Date(day).toISOString().slice(0, 10);
      for (const [min, max] of [[null, 0], [0, null], [0, 0], [1, 1], [null, 1]] as [number | null, number | null][]) {
        const { bornFrom, bornTo } = birthRangeOfAges(asOf, min, max);
        const listed = birth <= bornTo && (bornFrom == null || birth >= bornFrom);
        const age = ageOn(birth, asOf);
        expect([asOf, min, max, listed]).toEqual([asOf, min, max, age != null && age >= (min ?? 0) && (max == null || age <= max)]);
      }
    }
  });

  test('allowance band starts the month after the birthday; low income by category; none after death', () => {
    expect(endOfPreviousMonth('2026-03-15')).toBe('2026-02-28');
    expect(allowanceBand('1946-03-10', '2026-03-31', [])).toBeNull();
    expect(allowanceBand('1946-03-10', '2026-04-01', [])).toBe('B80_89');
    expect(allowanceBand('1946-03-10', '2026-04-01', ['DIBAO'])).toBe('B80_89_LOW_INCOME');
    expect(allowanceBand('1936-03-10', '2026-04-01', ['DIBAO'])).toBe('B90_99');
    expect(allowanceBand('1926-01-31', '2026-02-01', [])).toBe('B100_PLUS');
    expect(allowanceBand('1926-01-31', '2026-02-01', [], '2026-01-15')).toBeNull();
  });
});
