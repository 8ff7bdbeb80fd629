/** The registry's global ids: "Type:key" with a record's internal id as the key (api/global-id.ts encodes them). */
import { badUserInput } from '../errors.js';
import { fromGlobalId } from '../global-id.js';
import { isRecordId } from '../../registry/visible.js';

export const isId = isRecordId;

/** The internal id inside a global id of the expected type; BAD_USER_INPUT naming the field otherwise. */
export function internalId(id: string, type: string, field: string): string {
  const decoded = fromGlobalId(id, field);
  if (decoded.type !== type || !isId(decoded.key)) throw badUserInput(`"${id}" is not a ${type} id`, field);
  return decoded.key;
}
