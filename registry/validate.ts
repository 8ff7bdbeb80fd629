/** Input checks shared by the registry's writes and the bulk import. Each names the offending field. */
import { DomainError } from '../platform/domain-error.js';

export const bad = (message: string, field: string) => new DomainError('BAD_USER_INPUT', message, field);

export function isoDate(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(value)) throw bad(`${field} must be a date YYYY-MM-DD`, field);
  const d = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) throw bad(`${field} is not a calendar date`, field);
  if (value < '1880-01-01' || value > '2200-12-31') throw bad(`${field} is out of range`, field);
  return value;
}

export function optionalDate(value: unknown, field: string): string | null {
  return value == null || value === '' ? null : isoDate(value, field);
}

export function month(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[0-9]{4}-(0[1-9]|1[0-2])$/.test(value)) throw bad(`${field} must be a month YYYY-MM`, field);
  return value;
}

export function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw bad(`${field} is required`, field);
  const trimmed = value.trim();
  if ([...trimmed].length > max) throw bad(`${field} must be at most ${max} characters`, field);
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw bad(`${field} must not contain control characters`, field);
  return trimmed;
}

export function optionalText(value: unknown, field: string, max: number): string | null {
  return value == null || (typeof value === 'string' && value.trim() === '') ? null : text(value, field, max);
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw bad(`${field} must be one of ${allowed.join(', ')}`, field);
  return value as T;
}

export function intRange(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw bad(`${field} must be an integer ${min}–${max}`, field);
  return value;
}

/** A personal name: 1–50 characters, letters (any script), middle dot and spaces. */
export function personName(value: unknown, field: string): string {
  const name = text(value, field, 50);
  if (!/^[\p{L}\p{M}·・.\s'-]+$/u.test(name)) throw bad(`${field} must contain only letters, spaces and ·`, field);
  return name.replace(/\s+/g, ' ');
}

export function villageCode(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[0-9]{12}$/.test(value) || value.endsWith('000')) throw bad(`${field} must be a 12-digit village code`, field);
  return value;
}

/** Internal id of a registry record: a positive bigint as text. */
export function recordId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,17}$/.test(value)) throw bad(`${field} is not a valid id`, field);
  return value;
}

/** Public registry numbers (the ledger's payee ids): E00000042 for elders, F00000007 for facilities. */
export const elderNo = (id: string) => `E${id.padStart(8, '0')}`;
export const facilityNo = (id: string) => `F${id.padStart(8, '0')}`;
export function parseRegistryNo(value: string): { kind: 'ELDER' | 'FACILITY'; id: string } | null {
  const m = /^([EF])0*([1-9][0-9]{0,17})$/.exec(value);
  return m ? { kind: m[1] === 'E' ? 'ELDER' : 'FACILITY', id: m[2]! } : null;
}
