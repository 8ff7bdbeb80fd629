/**
 * Money: integer fen (分), carried as a JSON string of ASCII digits so that no client loses
 * precision. A JSON number (or an Int/Float literal) is refused outright: 9007199254740993 arrives
 * as 9007199254740992 after JSON parsing, and 1e5 is not a string of digits. The string itself is
 * checked by parseMoney where the resolver knows the field's name (extensions.field): digits only,
 * no sign, no superfluous leading zeros ("0" is fine), then the ledger's range and sign rules.
 */
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { parseFen } from '../ledger/money.js';
import { DomainError } from '../platform/errors.js';

/**
 * What a number sent as Money becomes: not an amount, but a marker that parseMoney refuses with the
 * field's name (a scalar does not know which argument it is parsing; an error thrown here would
 * reach the client without extensions.field, and for a literal as a validation failure).
 */
export class NumberNotMoney {
  constructor(readonly raw: string) {}
}

export const Money = new GraphQLScalarType<string, string>({
  name: 'Money',
  description: 'An amount of money in integer fen (分; 100 fen = 1 yuan), as a string of ASCII digits without leading zeros, e.g. "123456" for ¥1,234.56. A JSON number is refused.',
  serialize(value) {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'string' && /^-?[0-9]+$/.test(value)) return value;
    throw new GraphQLError(`Money cannot represent ${String(value)}`);
  },
  parseValue(value) {
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return new NumberNotMoney(String(value)) as unknown as string;
    throw new GraphQLError('Money must be a JSON string of digits (integer fen), e.g. "12345"', { extensions: { code: 'BAD_USER_INPUT' } });
  },
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING) return ast.value;
    if (ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return new NumberNotMoney(ast.value) as unknown as string;
    throw new GraphQLError('Money must be a string of digits (integer fen), e.g. "12345"', { extensions: { code: 'BAD_USER_INPUT' } });
  },
});

/** A Money argument as fen: a canonical string of digits (no sign, no leading zeros), within the ledger's range. */
export function parseMoney(value: string, field: string): bigint {
  if ((value as unknown) instanceof NumberNotMoney) {
    throw new DomainError('BAD_USER_INPUT', `${field} must be a JSON string of digits, not a number (a number loses precision beyond 2^53)`, field);
  }
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]*)$/.test(value)) {
    throw new DomainError('BAD_USER_INPUT', `${field} must be an integer number of fen written as a string of ASCII digits without leading zeros`, field);
  }
  return parseFen(value, field);
}
