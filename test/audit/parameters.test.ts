/** The shape of a rule parameter's override (audit/parameters.ts): its default's, all the way down. */
import { RULES } from '../../audit/catalogue.js';
import { codeOutside, shapeMismatch } from '../../audit/parameters.js';

const parameter = (ruleId: string, key: string) => RULES.find((r) => r.id === ruleId)!.parameters[key];

test('every default has its own shape', () => {
  for (const rule of RULES) for (const [key, value] of Object.entries(rule.parameters)) expect([rule.id, shapeMismatch(value, value, key)]).toEqual([rule.id, null]);
});

test('a band amount that is not a whole number of fen, or a band left out, is refused; another band may be added', () => {
  const bands = parameter('AR-05', 'bandAmounts') as Record<string, number>;
  expect(shapeMismatch({ ...bands, B90_99: 12000 }, bands, 'bandAmounts')).toBeNull();
  expect(shapeMismatch({ ...bands, B95_99: 12000 }, bands, 'bandAmounts')).toBeNull();
  expect(shapeMismatch({ ...bands, B80_89: 'lots' }, bands, 'bandAmounts')).toBe('bandAmounts.B80_89 must be a JSON number');
  expect(shapeMismatch({ ...bands, B80_89: 50.5 }, bands, 'bandAmounts')).toBe('bandAmounts.B80_89 must be a non-negative integer');
  expect(shapeMismatch({ ...bands, B80_89: -1 }, bands, 'bandAmounts')).toBe('bandAmounts.B80_89 must be a non-negative integer');
  const { B100_PLUS: _, ...without } = bands;
  expect(shapeMismatch(without, bands, 'bandAmounts')).toBe('bandAmounts.B100_PLUS is missing');
  expect(shapeMismatch({ ...bands, 'B100+': 1 }, bands, 'bandAmounts')).toMatch(/has a key that is not a code/);
});

test('lists hold items of the default\'s kind; objects of fixed keys keep them', () => {
  const codes = parameter('AR-05', 'monthlyBenefitCodes');
  expect(shapeMismatch(['SA_MONTHLY', 'SA_LOW_INCOME'], codes, 'monthlyBenefitCodes')).toBeNull();
  expect(shapeMismatch(['SA_MONTHLY', 7], codes, 'monthlyBenefitCodes')).toBe('monthlyBenefitCodes[1] must be a JSON string');
  expect(shapeMismatch([''], codes, 'monthlyBenefitCodes')).toMatch(/must be a text of 1 to 200 characters/);
  const pairs = parameter('AR-04', 'pairs') as object[];
  expect(shapeMismatch([...pairs, { a: 'X', b: 'Y', scope: 'SAME_MONTH', note: 'x ⟂ y' }], pairs, 'pairs')).toBeNull();
  expect(shapeMismatch([{ a: 'X', b: 'Y' }], pairs, 'pairs')).toBe('pairs[0].scope is missing');
  expect(shapeMismatch([{ a: 'X', b: ['Y'], scope: 'SAME_MONTH', note: '' }], pairs, 'pairs')).toBe('pairs[0].b must be a JSON string');
  const byLine = parameter('AR-06', 'categoryByFundLine');
  expect(shapeMismatch({ HARDSHIP_SUPPORT: ['EXTREME_HARDSHIP'], FACILITY_SUBSIDY: ['DIBAO'] }, byLine, 'categoryByFundLine')).toBeNull();
  expect(shapeMismatch({ HARDSHIP_SUPPORT: 'EXTREME_HARDSHIP' }, byLine, 'categoryByFundLine')).toBe('categoryByFundLine.HARDSHIP_SUPPORT must be a JSON array');
  expect(shapeMismatch(true, parameter('AR-21', 'verifyChain'), 'verifyChain')).toBeNull();
  expect(shapeMismatch('yes', parameter('AR-21', 'verifyChain'), 'verifyChain')).toBe('verifyChain must be a JSON boolean');
});

test('a closed vocabulary: every default keeps to its own; an override naming a code outside it is refused', () => {
  for (const rule of RULES) for (const [key, vocabulary] of Object.entries(rule.vocabulary ?? {})) expect([rule.id, key, codeOutside(rule.parameters[key], vocabulary, key)]).toEqual([rule.id, key, null]);
  const { vocabulary } = RULES.find((r) => r.id === 'AR-14')!;
  expect(codeOutside({ HS_DISPERSED: ['PERSON', 'FACILITY'] }, vocabulary!.benefitAllowedUse!, 'benefitAllowedUse')).toBeNull();
  expect(codeOutside({ HS_DISPERSED: ['PERSONS'] }, vocabulary!.benefitAllowedUse!, 'benefitAllowedUse')).toBe('benefitAllowedUse.HS_DISPERSED[0] must be one of PERSON, FACILITY, PROJECT, OPERATOR, CONTRACTOR');
  expect(codeOutside({ SENIOR_ALLOWANCE: ['PERSON'], GIFTS: ['PERSON'] }, vocabulary!.fundLineAllowedUse!, 'fundLineAllowedUse')).toMatch(/^fundLineAllowedUse.GIFTS is not one of HARDSHIP_SUPPORT/);
});
