/**
 * Errors of variable coercion (a JSON value of the wrong type, a required input field missing, an
 * unknown enum value or input field) come from graphql-js as BAD_USER_INPUT whose only pointer to
 * the culprit is inside the message: `Variable "$i" got invalid value 12 at "i.memo"; …`. This
 * plugin adds the `extensions.field` every other BAD_USER_INPUT carries, in the same convention
 * (the argument the variable is passed to, then the path inside it, without the `input` wrapper):
 * `memo`, `lines.3.amount`, `filter.from`.
 */
import { Kind, visit, type ASTNode, type OperationDefinitionNode, type ValueNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';

/** `Variable "$i" got invalid value … at "i.lines[3].memo"; …` or `Variable "$i" of required type … was not provided.` */
const VARIABLE_ERROR = /^Variable "\$([A-Za-z_]\w*)" (?:got invalid value|of required type|of non-null type)/;
// A path printed by graphql-js: identifiers, dots and [index]; a string inside the inspected value
// cannot produce this (its quotes are escaped).
const AT_PATH = / at "([A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\d+\])*)"; /;
const MISSING_FIELD = /; Field "([A-Za-z_]\w*)" of required type "[^"]+" was not provided\.$/;
const UNKNOWN_FIELD = /; Field "([A-Za-z_]\w*)" is not defined by type "[^"]+"\./;

/** Where a variable is used: the argument (and the path inside an object or list literal) it fills. */
function argumentPathOf(operation: OperationDefinitionNode, variable: string): (string | number)[] | null {
  let found: (string | number)[] | null = null;
  const search = (value: ValueNode, path: (string | number)[]): void => {
    if (found) return;
    if (value.kind === Kind.VARIABLE && value.name.value === variable) found = path;
    else if (value.kind === Kind.OBJECT) value.fields.forEach((f) => search(f.value, [...path, f.name.value]));
    else if (value.kind === Kind.LIST) value.values.forEach((v, i) => search(v, [...path, i]));
  };
  visit(operation as ASTNode, { Argument: (node) => search(node.value, [node.name.value]) });
  return found;
}

/** The field name of a variable-coercion error, or null when the message is not one. */
export function fieldOfVariableError(message: string, operation: OperationDefinitionNode | undefined): string | null {
  const variable = VARIABLE_ERROR.exec(message)?.[1];
  if (!variable || !operation) return null;
  const base = argumentPathOf(operation, variable);
  if (!base) return null;
  const at = AT_PATH.exec(message)?.[1];
  // "i.lines[3].memo" → ['lines', 3, 'memo'] (the variable's own name is replaced by the argument path).
  const inside = at ? at.replace(/\[(\d+)\]/g, '.$1').split('.').slice(1) : [];
  const leaf = MISSING_FIELD.exec(message)?.[1] ?? UNKNOWN_FIELD.exec(message)?.[1];
  const path = [...base, ...inside, ...(leaf ? [leaf] : [])].map(String);
  return (path[0] === 'input' && path.length > 1 ? path.slice(1) : path).join('.');
}

export function variableErrorFieldsPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, operation }) {
          for (const error of errors) {
            const extensions = error.extensions as Record<string, unknown>;
            if (extensions?.code !== 'BAD_USER_INPUT' || extensions.field) continue;
            const field = fieldOfVariableError(error.message, operation ?? undefined);
            if (field) extensions.field = field;
          }
        },
      };
    },
  };
}
