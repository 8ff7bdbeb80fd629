/** A disbursement's payee (收款方): the Elder or Facility a registry number names, in the caller's scope. */
import { Ctx, FieldResolver, Resolver, Root, createUnionType } from 'type-graphql';
import type { Context } from '../context.js';
import { LedgerTransaction } from '../ledger/ledger.type.js';
import { parseRegistryNo } from '../../registry/validate.js';
import { requireElder, requireFacility } from '../../registry/access.js';
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
    if (!t.payeeId || !t.payeeType) return null;
    const ref = parseRegistryNo(t.payeeId);
    if (!ref) return null;
    ctx.viewer.require('registry:read');
    if (t.payeeType === 'PERSON' && ref.kind === 'ELDER') {
      const e = await ctx.registryLoaders.elder.load(ref.id);
      if (!e) return null;
      requireElder(ctx.viewer, e);
      return Elder.from(e);
    }
    if (t.payeeType === 'FACILITY' && ref.kind === 'FACILITY') {
      const f = await ctx.registryLoaders.facility.load(ref.id);
      if (!f) return null;
      requireFacility(ctx.viewer, f);
      return Facility.from(f);
    }
    return null;
  }
}
