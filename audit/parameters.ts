/**
 * The shape a rule parameter's override must have: the shape of its default, all the way down.
 * The rules' SQL reads parameters with casts (`(p->>'transitDays')::int`, a band amount
 * `::bigint`): an override of the right top-level type with the wrong insides (a band amount
 * "lots") would make every later run of that region fail, so it is refused when it is set.
 */
import type { RuleDefinition } from './catalogue.js';

/** Numbers in parameters are counts, days, months or fen: non-negative integers. */
const MAX_NUMBER = 1_000_000_000;
const MAX_TEXT = 200;

const kindOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

/**
 * Why `value` does not have the shape of `shape` (null when it does). Objects keep every key of the
 * default and may add keys whose values have the shape the default's values share (maps such as
 * categoryByFundLine); arrays hold elements of the shape of the default's first element (codes, if
 * it is empty).
 */
export function shapeMismatch(value: unknown, shape: unknown, path: string): string | null {
  const expected = kindOf(shape);
  if (kindOf(value) !== expected) return `${path} must be a JSON ${expected}`;
  switch (expected) {
    case 'number':
      return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_NUMBER ? null : `${path} must be a non-negative integer`;
    case 'string':
      return (value as string).length > 0 && (value as string).length <= MAX_TEXT ? null : `${path} must be a text of 1 to ${MAX_TEXT} characters`;
    case 'array': {
      const element = (shape as unknown[])[0] ?? 'CODE';
      const items = value as unknown[];
      if (items.length > 1000) return `${path} may hold at most 1000 items`;
      for (const [i, item] of items.entries()) {
        const why = shapeMismatch(item, element, `${path}[${i}]`);
        if (why) return why;
      }
      return null;
    }
    case 'object':
      return objectMismatch(value as Record<string, unknown>, shape as Record<string, unknown>, path);
    default:
      return null; // boolean
  }
}

function objectMismatch(value: Record<string, unknown>, shape: Record<string, unknown>, path: string): string | null {
  const defaults = Object.values(shape);
  const shared = defaults.length && defaults.every((d) => JSON.stringify(skeleton(d)) === JSON.stringify(skeleton(defaults[0]))) ? defaults[0] : undefined;
  for (const key of Object.keys(shape)) if (!Object.hasOwn(value, key)) return `${path}.${key} is missing`;
  const keys = Object.keys(value);
  if (keys.length > 1000) return `${path} may hold at most 1000 keys`;
  for (const key of keys) {
    if (!/^[A-Za-z0-9_]{1,64}$/.test(key)) return `${path} has a key that is not a code: ${JSON.stringify(key.slice(0, 64))}`;
    const of = Object.hasOwn(shape, key) ? shape[key] : shared;
    if (of === undefined) return `${path}.${key} is not a parameter of this rule`;
    const why = shapeMismatch(value[key], of, `${path}.${key}`);
    if (why) return why;
  }
  return null;
}

/** A value's shape without its contents (what two defaults must share to count as one kind). */
function skeleton(v: unknown): unknown {
  if (Array.isArray(v)) return [v.length ? skeleton(v[0]) : null];
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, skeleton(x)]));
  return kindOf(v);
}

/**
 * Why `value` uses a code outside its parameter's vocabulary (null when it does not): every text
 * inside its lists must be one of `items`, every key of its map one of `keys`.
 */
export function codeOutside(value: unknown, vocabulary: { items?: readonly string[]; keys?: readonly string[] }, path: string): string | null {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      if (typeof item === 'string' && vocabulary.items && !vocabulary.items.includes(item)) return `${path}[${i}] must be one of ${vocabulary.items.join(', ')}`;
      const why = codeOutside(item, { items: vocabulary.items }, `${path}[${i}]`);
      if (why) return why;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (vocabulary.keys && !vocabulary.keys.includes(key)) return `${path}.${key} is not one of ${vocabulary.keys.join(', ')}`;
      const why = codeOutside(item, { items: vocabulary.items }, `${path}.${key}`);
      if (why) return why;
    }
  }
  return null;
}

/**
 * Why a number inside `value` lies outside its parameter's range (null when none does): every
 * number of the value, in lists and maps too (a level in minLevelByBenefit), must lie in
 * [min, max] (min 0 unless given).
 */
export function numberOutside(value: unknown, limit: { min?: number; max: number }, path: string): string | null {
  const min = limit.min ?? 0;
  if (typeof value === 'number') return value < min || value > limit.max ? `${path} must be from ${min} to ${limit.max}` : null;
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const why = numberOutside(item, limit, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`);
      if (why) return why;
    }
  }
  return null;
}

/**
 * Why `value` cannot be the rule's parameter `key` (null when it can): its default's shape, its
 * closed vocabulary, its range — every check an override must pass, when it is set and when a run
 * reads it (a row written past setAuditRuleParameter must not fail every run of its region).
 */
export function parameterProblem(rule: Pick<RuleDefinition, 'parameters' | 'vocabulary' | 'limits'>, key: string, value: unknown): string | null {
  if (!Object.hasOwn(rule.parameters, key)) return `no parameter ${key}`;
  const vocabulary = rule.vocabulary?.[key];
  const limit = rule.limits?.[key];
  return shapeMismatch(value, rule.parameters[key], key) ?? (vocabulary ? codeOutside(value, vocabulary, key) : null) ?? (limit ? numberOutside(value, limit, key) : null);
}
