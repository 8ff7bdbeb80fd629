/**
 * Permissions declared with @Authorized (api/authorization.ts) fail exactly as Viewer.require does —
 * same error, code and message — and every listed permission is needed, the first missing one named.
 */
import 'reflect-metadata';
import { getMetadataStorage } from 'type-graphql';
import type { ResolverData } from 'type-graphql';
import { authChecker } from '../../api/authorization.js';
import type { Context } from '../../api/context.js';
import { createSchema } from '../../api/schema.js';
import { Viewer } from '../../auth/viewer.js';
import { PERMISSIONS, type Permission } from '../../auth/roles.js';

const FINANCE = new Viewer({ subject: 'f', roles: ['FINANCE_OFFICER'], jurisdiction: '320300000000' });
const check = (viewer: Viewer, permissions: Permission[]) => authChecker({ context: { viewer } } as unknown as ResolverData<Context>, permissions);
const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('nothing thrown');
};

test('a held permission passes', () => {
  expect(check(FINANCE, ['registry:read', 'ledger:read'])).toBe(true);
});

test('a missing permission throws what Viewer.require throws', () => {
  const declared = thrown(() => check(FINANCE, ['personal:unmask'])) as Error & { extensions?: unknown };
  const called = thrown(() => FINANCE.require('personal:unmask')) as Error & { extensions?: unknown };
  expect(declared.constructor).toBe(called.constructor);
  expect(declared.message).toBe(called.message);
  expect(declared.extensions).toEqual(called.extensions);
});

test('every listed permission is needed, and the first missing one is named', () => {
  expect(String(thrown(() => check(FINANCE, ['registry:read', 'personal:unmask', 'health:read'])))).toContain('needs personal:unmask');
});

test('every declared permission is a known one', async () => {
  await createSchema();
  const declared = getMetadataStorage().authorizedFields.flatMap((f) => f.roles as string[]);
  expect(declared.length).toBeGreaterThan(30);
  expect(declared.filter((p) => !(PERMISSIONS as readonly string[]).includes(p))).toEqual([]);
});
