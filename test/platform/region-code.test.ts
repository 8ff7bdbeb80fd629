/**
 * platform/region-code.ts is the one home of region-code rules: levels, significant prefixes,
 * subtree ranges, ancestors and the 12-digit pattern. No other module writes the pattern or strips
 * trailing zeros by itself.
 */
import path from 'node:path';
import { readSource, sourceFiles } from '../support/sources.js';
import { ancestorsOf, cityOf, commonAncestorOf, isRegionCode, isVillageCode, levelOfCode, parseRegionCode, scopePrefixOf, subtreeRangeOf } from '../../platform/region-code.js';

test('levels, prefixes and ranges follow the zero-padded tail', () => {
  expect(['320000000000', '320300000000', '320321000000', '320321100000', '320321100201'].map(levelOfCode)).toEqual(['PROVINCE', 'CITY', 'COUNTY', 'TOWN', 'VILLAGE']);
  expect(scopePrefixOf('320300000000')).toBe('3203');
  expect(scopePrefixOf('320300100000')).toBe('320300100'); // a town directly under its city (东莞-style)
  expect(scopePrefixOf('442000000000')).toBe('4420'); // a city code ending in 0 keeps its significant digit
  expect(subtreeRangeOf('320321000000')).toEqual(['320321000000', '320321999999']);
  expect(ancestorsOf('320321100201')).toEqual(['320000000000', '320300000000', '320321000000', '320321100000']);
  expect(cityOf('320321100201')).toBe('320300000000');
  expect(cityOf('320000000000')).toBe('320000000000');
});

test('the deepest region holding a set of codes', () => {
  expect(commonAncestorOf(['320321100201', '320321100202'])).toBe('320321100000'); // two villages of one town
  expect(commonAncestorOf(['320321100201', '320321101201'])).toBe('320321000000'); // of two towns of one county
  expect(commonAncestorOf(['320321000000', '320322000000'])).toBe('320300000000'); // two counties of 徐州市
  expect(commonAncestorOf(['320321000000', '320321100201'])).toBe('320321000000'); // a county and one of its villages
  expect(commonAncestorOf(['320321000000'])).toBe('320321000000');
  expect(commonAncestorOf(['320321000000', '330102000000'])).toBeNull(); // two provinces
  expect(commonAncestorOf([])).toBeNull();
});

test('the 12-digit pattern and the typed forms', () => {
  expect(isRegionCode('320300000000')).toBe(true);
  expect(isRegionCode('3203')).toBe(false);
  expect(isRegionCode(' 320300000000')).toBe(false);
  expect(isVillageCode('320321100201')).toBe(true);
  expect(isVillageCode('320321100000')).toBe(false);
  expect(parseRegionCode(' 320321 ', 'code')).toBe('320321000000');
  expect(() => parseRegionCode('32032', 'code')).toThrow(/not a region code/);
});

/** The rules' own file (the hierarchy migration's CHECK is under migrations/, skipped). */
const ALLOWED = new Set([path.join('platform', 'region-code.ts')]);
const SKIP = new Set(['node_modules', 'dist', 'test', 'migrations', 'bench', 'verifier', 'client', 'docs']);


test('no other module writes the 12-digit pattern or strips trailing zeros of a code itself', () => {
  const copies = sourceFiles(SKIP)
    .filter((file) => !ALLOWED.has(file))
    .filter((file) => {
      const text = readSource(file);
      return text.includes('[0-9]{12}') || /\.replace\(\/\(?0\+?\{?/.test(text) || text.includes('0{3}|0{6}');
    });
  expect(copies).toEqual([]);
});
