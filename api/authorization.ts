/**
 * Permissions declared on operations and fields: `@Authorized('registry:read')` above a query,
 * mutation or field resolver. The check is Viewer.require, the same call the resolvers make where a
 * permission depends on the arguments, so the error is the same FORBIDDEN with the same message.
 *
 * Every listed permission is needed, checked in the order listed (type-graphql's own convention
 * would accept any one of them), so the first one missing is the one the error names. Which records
 * a caller may see depends on the record and stays with the domain's access rules (registry/access.ts,
 * ledger/access.ts).
 */
import { Authorized as TypeGraphqlAuthorized, type AuthCheckerFn } from 'type-graphql';
import type { Permission } from '../auth/roles.js';
import type { Context } from './context.js';

/** type-graphql's @Authorized, typed so that only a known permission can be declared. */
export const Authorized = (...permissions: Permission[]): MethodDecorator & PropertyDecorator => TypeGraphqlAuthorized<Permission>(...permissions);

export const authChecker: AuthCheckerFn<Context, Permission> = ({ context }, permissions) => {
  for (const permission of permissions) context.viewer.require(permission);
  return true;
};
