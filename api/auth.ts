/**
 * Authentication at the transport edge: the bearer token becomes the request's Viewer, and
 * operations without one are refused before any resolver runs (introspection excepted, so GraphiQL
 * can load the schema's documentation while introspection is on).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import { AuthError, Viewer } from '../auth/viewer.js';
import { verifyToken, type KeySet } from '../auth/tokens.js';
import type { Context } from './context.js';

function unauthenticatedError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/** The Viewer behind an Authorization header; anonymous when there is none; UNAUTHENTICATED when it does not verify. */
export async function viewerFromHeader(authorization: string | undefined, keySet: KeySet): Promise<Viewer> {
  if (!authorization) return Viewer.anonymous();
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw unauthenticatedError('the Authorization header must be "Bearer <token>"');
  try {
    return await verifyToken(match[1]!, keySet);
  } catch (error) {
    if (error instanceof AuthError) throw unauthenticatedError(error.message);
    throw error;
  }
}

const INTROSPECTION_FIELDS = new Set(['__schema', '__type', '__typename']);

function isIntrospectionOnly(operation: OperationDefinitionNode): boolean {
  return operation.operation === 'query' && operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && INTROSPECTION_FIELDS.has(s.name.value));
}

/** Refuses every operation of an anonymous caller except pure introspection. */
export function requireAuthenticationPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          if (contextValue.viewer.authenticated) return;
          if (operation && isIntrospectionOnly(operation)) return;
          throw unauthenticatedError('authentication required: send "Authorization: Bearer <token>" (npm run token -- --help)');
        },
      };
    },
  };
}
