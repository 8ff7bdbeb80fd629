/**
 * Global object ids: base64url("Type:key"). Apart from relay.ts (which re-exports them) so that the
 * request context can decode ids without loading type-graphql's decorated classes before
 * reflect-metadata (api/schema.ts) is in place.
 */
import { badUserInput } from './errors.js';

export const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
export const unb64 = (text: string) => Buffer.from(text, 'base64url').toString('utf8');

/** Global id of an object: base64url("Type:key"). */
export function toGlobalId(type: string, key: string): string {
  return b64(`${type}:${key}`);
}

/** `field`: the argument the id came in, named by the error when it is malformed. */
export function fromGlobalId(id: string, field = 'id'): { type: string; key: string } {
  const decoded = /^[A-Za-z0-9_-]+$/.test(id) ? unb64(id) : '';
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) throw badUserInput(`"${id}" is not a valid id`, field);
  return { type: decoded.slice(0, colon), key: decoded.slice(colon + 1) };
}
