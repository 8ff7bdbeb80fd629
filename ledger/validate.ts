/** Input checks shared by every ledger write. Each failure names its field. */
import { badInput } from './errors.js';

export function requireText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw badInput(`${field} is required`, field);
  if (value.length > max) throw badInput(`${field} is longer than ${max} characters`, field);
  return value.trim();
}

export function optionalText(value: unknown, field: string, max: number): string | null {
  if (value == null || value === '') return null;
  return requireText(value, field, max);
}

export function isoDate(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(value)) throw badInput(`${field} must be a date YYYY-MM-DD`, field);
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) throw badInput(`${field} is not a real date: ${value}`, field);
  const year = date.getUTCFullYear();
  if (year < 2000 || year > 2100) throw badInput(`${field} must be between 2000 and 2100`, field);
  return value;
}

export function month(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[0-9]{4}-(0[1-9]|1[0-2])$/.test(value)) throw badInput(`${field} must be a month YYYY-MM`, field);
  return value;
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw badInput(`${field} must be one of ${allowed.join(', ')}`, field);
  return value as T;
}

export function code(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[A-Z][A-Z0-9_]{1,39}$/.test(value)) throw badInput(`${field} must be an upper-case code such as SA_MONTHLY`, field);
  return value;
}

export function regionCode(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[0-9]{12}$/.test(value)) throw badInput(`${field} must be a 12-digit region code`, field);
  return value;
}

export function id(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,17}$/.test(value)) throw badInput(`${field} is not a valid id`, field);
  return value;
}

export function fiscalYear(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 2000 || value > 2100) throw badInput(`${field} must be a year between 2000 and 2100`, field);
  return value;
}
