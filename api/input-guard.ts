/**
 * The rule every string argument obeys, whatever the operation: valid Unicode and no NUL byte
 * (platform/validate.ts requireWellFormed). It is applied to the built schema — every field that
 * takes arguments, on every type, including operations added later — before the field's own
 * resolver runs, so no such string reaches a domain module or PostgreSQL. Fields without arguments
 * are left untouched (no cost on the hot path of large lists).
 */
import { defaultFieldResolver, isObjectType, type GraphQLSchema } from 'graphql';
import { requireWellFormed } from '../platform/validate.js';

/**
 * The name of an argument as errors report it (extensions.field): the path inside the argument,
 * without the conventional `input` wrapper (`input.memo` → `memo`, `lines.3.payeeId`).
 */
function fieldName(path: readonly (string | number)[]): string {
  const parts = path[0] === 'input' && path.length > 1 ? path.slice(1) : path;
  return parts.join('.');
}

/** Walks an argument value (scalars, lists, input objects) and checks every string in it. */
function checkValue(value: unknown, path: (string | number)[]): void {
  if (typeof value === 'string') {
    requireWellFormed(value, fieldName(path));
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => checkValue(item, [...path, index]));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) checkValue(item, [...path, key]);
  }
}

export function checkArguments(args: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(args)) checkValue(value, [name]);
}

/** Wraps the resolver of every field that has arguments with checkArguments. Idempotent per schema. */
export function guardArguments(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0 || (field as { guarded?: true }).guarded) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        checkArguments(args);
        return resolve(source, args, context, info);
      };
      (field as { guarded?: true }).guarded = true;
    }
  }
  return schema;
}
