/** A disbursement's payee (收款方): the Elder or Facility a registry number names, in the caller's scope. */
import { Ctx, FieldResolver, Resolver, Root, createUnionType } from 'type-graphql';
import type { Context } from '../context.js';
import { LedgerTransaction } from '../ledger/ledger.type.js';
import { visiblePayee } from '../../payments/payees.js';
import { Elder } from './elder.type.js';
import { Facility } from './facility.type.js';

// ---- ledger payee links ------------------------------------------------------------------------------

export const Payee = createUnionType({
  name: 'Payee',
  description: 'The registry record a disbursement pays: an Elder (payee PERSON) or a Facility (payee FACILITY), by registry number.',
  types: () => [Elder, Facility] as const,
});

@Resolver(() => LedgerTransaction)
export class LedgerPayeeResolver {
  @FieldResolver(() => Payee, {
    nullable: true,
    description: 'The payee as a registry record (payeeId = Elder.registryNo or Facility.registryNo); null when the payee is not in the registry; FORBIDDEN outside your jurisdiction.',
  })
  async payee(@Root() t: LedgerTransaction, @Ctx() ctx: Context): Promise<Elder | Facility | null> {
    const payee = await visiblePayee(ctx.viewer, ctx.registryLoaders, t.payeeType, t.payeeId);
    if (!payee) return null;
    return payee.kind === 'ELDER' ? Elder.from(payee.record) : Facility.from(payee.record);
  }
}
