/**
 * The schema is the contract front-end teams read first: every type, field, argument, input field
 * and enum value of the served schema carries a description (with the Chinese term beside the
 * English where the domain has one). The test lists whatever lacks one.
 */
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isSpecifiedScalarType, type GraphQLSchema } from 'graphql';
import { createSchema } from '../../api/schema.js';

function undescribed(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const blank = (description: string | null | undefined) => !description?.trim();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || isSpecifiedScalarType(type)) continue;
    if (blank(type.description)) missing.push(`type ${type.name}`);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (blank(field.description)) missing.push(`field ${type.name}.${field.name}`);
        for (const arg of 'args' in field ? field.args : []) {
          if (blank(arg.description)) missing.push(`argument ${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) if (blank(value.description)) missing.push(`enum value ${type.name}.${value.name}`);
    }
  }
  return missing;
}

test('every type, field, argument, input field and enum value has a description', async () => {
  const schema = await createSchema();
  expect(Object.keys(schema.getTypeMap()).length).toBeGreaterThan(100);
  expect(undescribed(schema)).toEqual([]);
});
