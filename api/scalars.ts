/**
 * Money: integer fen (分), carried as a string of digits so that no client loses precision. Input may
 * be a string or an integer literal; the ledger validates it (fractions, exponents, signs where they
 * make no sense and values beyond 64 bits are BAD_USER_INPUT with the field named).
 */
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

export const Money = new GraphQLScalarType<string, string>({
  name: 'Money',
  description: 'An amount of money in integer fen (分; 100 fen = 1 yuan), as a string of digits, e.g. "123456" for ¥1,234.56.',
  serialize(value) {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'string' && /^-?[0-9]+$/.test(value)) return value;
    throw new GraphQLError(`Money cannot represent ${String(value)}`);
  },
  parseValue(value) {
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    throw new GraphQLError('Money must be a string of digits', { extensions: { code: 'BAD_USER_INPUT' } });
  },
  parseLiteral(ast) {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return ast.value;
    throw new GraphQLError('Money must be a string of digits', { extensions: { code: 'BAD_USER_INPUT' } });
  },
});
