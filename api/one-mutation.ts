/**
 * One mutation per request. graphql-js runs the root fields of a mutation one after the other, and
 * each of ours commits on its own (a ledger write goes through the group writer, a registry write
 * has its own transaction): a request with two of them is two transactions. When the second failed,
 * the first stayed committed while the answer said `data: null` (its payload types are non-null), so
 * the caller never learnt that a payment was made (found in review). A request is one transaction:
 * a mutation operation may select one root field — `__typename` aside, fragments and aliases
 * counted, `@skip`/`@include` not trusted to remove one — and anything more is refused at validation,
 * before any of it runs. A batch of writes is one field (`disburseBatch`), itself atomic.
 */
import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';

export function oneMutationPerRequest(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(operation) {
      if (operation.operation !== 'mutation') return;
      // (one response key selected twice is one field: graphql-js merges them, or refuses them if they differ)
      const fields = [...new Set(rootFields(context, operation.selectionSet, new Set()))];
      if (fields.length > 1) {
        context.reportError(
          new GraphQLError(`a request carries one mutation, and this one has ${fields.length} (${fields.slice(0, 5).join(', ')}${fields.length > 5 ? ', …' : ''}): send each in its own request, or a batch as one disburseBatch`, {
            nodes: operation,
          }),
        );
      }
    },
  };
}

/** The response keys of the root fields a selection set selects, through fragments (each fragment once). */
function rootFields(context: ValidationContext, set: SelectionSetNode, seen: Set<string>): string[] {
  const keys: string[] = [];
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== '__typename') keys.push(selection.alias?.value ?? selection.name.value);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      keys.push(...rootFields(context, selection.selectionSet, seen));
    } else {
      const name = selection.name.value;
      const fragment = context.getFragment(name);
      if (fragment && !seen.has(name)) {
        seen.add(name);
        keys.push(...rootFields(context, fragment.selectionSet, seen));
      }
    }
  }
  return keys;
}
