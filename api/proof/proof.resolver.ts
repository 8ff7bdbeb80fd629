/** Proofs over GraphQL: thin wrappers around ledger/proof (checkpoints, proofs, cosignatures). */
import { Arg, Args, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Authorized } from '../authorization.js';
import type { Context } from '../context.js';
import { PageArgs, resolvePage } from '../relay.js';
import { LedgerTransaction, LedgerVerification } from '../ledger/ledger.type.js';
import { Checkpoint, CheckpointConnection, CheckpointVerification, ConsistencyProof, InclusionProof, buildCheckpointConnection } from './proof.type.js';

const b64 = (hashes: Buffer[]) => hashes.map((h) => h.toString('base64'));

@Resolver()
export class ProofResolver {
  @Query(() => CheckpointConnection, { description: '签名检查点: the signed checkpoints of the ledger Merkle tree, newest first (also GET /checkpoint).' })
  @Authorized('ledger:read')
  async checkpoints(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: Context): Promise<InstanceType<typeof CheckpointConnection>> {
    const resolved = resolvePage(page, (key) => /^[1-9][0-9]{0,18}$/.test(key));
    const rows = await ctx.proofs.checkpoints(ctx.proofs.pool, { first: resolved.first + 1, before: resolved.after });
    return buildCheckpointConnection(rows.map(Checkpoint.from), resolved, (c) => c.key, () => ctx.proofs.checkpointCount());
  }

  @Query(() => ConsistencyProof, { description: '一致性证明: RFC 9162 consistency proof between two tree sizes (1 ≤ fromSize ≤ toSize ≤ the tree’s size).' })
  @Authorized('ledger:read')
  async consistencyProof(
    @Arg('fromSize', () => Int, { description: 'The smaller tree size (e.g. of the checkpoint you saved earlier).' }) fromSize: number,
    @Arg('toSize', () => Int, { description: 'The larger tree size (e.g. of the latest checkpoint).' }) toSize: number,
    @Ctx() ctx: Context,
  ): Promise<ConsistencyProof> {
    const proof = await ctx.proofs.consistencyProof(fromSize, toSize);
    return Object.assign(new ConsistencyProof(), { ...proof, hashes: b64(proof.hashes) });
  }

  @Mutation(() => Checkpoint, { description: '见证: store a witness’s cosignature of a checkpoint (C2SP tlog-cosignature/v1, made with `sunshine-verify witness`). Only keys in SUNSHINE_WITNESS_KEYS count; each cosignature is verified first.' })
  @Authorized('ledger:cosign')
  async cosignCheckpoint(
    @Arg('note', { description: 'The checkpoint note with the witness’s signature line(s) added.' }) note: string,
    @Ctx() ctx: Context,
  ): Promise<Checkpoint> {
    return Checkpoint.from(await ctx.proofs.cosign(note, ctx.viewer.subject));
  }
}

@Resolver(() => LedgerTransaction)
export class TransactionProofResolver {
  @FieldResolver(() => InclusionProof, { description: '包含证明: RFC 9162 inclusion proof of this transaction in the tree of `treeSize` leaves.' })
  @Authorized('ledger:read')
  async inclusionProof(
    @Root() transaction: LedgerTransaction,
    @Arg('treeSize', () => Int, { nullable: true, description: 'Tree size to prove against (≥ seq); default: the latest signed checkpoint’s.' }) treeSize: number | null,
    @Ctx() ctx: Context,
  ): Promise<InclusionProof> {
    const proof = await ctx.proofs.inclusionProof(Number(transaction.seq), treeSize ?? null);
    return Object.assign(new InclusionProof(), { ...proof, hashes: b64(proof.hashes), checkpoint: proof.checkpoint ? Checkpoint.from(proof.checkpoint) : null });
  }
}

@Resolver(() => LedgerVerification)
export class VerificationProofResolver {
  @FieldResolver(() => CheckpointVerification, { description: 'The ledger against its latest signed checkpoint (dropped or rewritten transactions).' })
  async checkpoint(@Ctx() ctx: Context): Promise<CheckpointVerification> {
    return Object.assign(new CheckpointVerification(), await ctx.proofs.verifyAgainstCheckpoint());
  }
}

export const proofResolvers = [ProofResolver, TransactionProofResolver, VerificationProofResolver] as const;
