/** GraphQL types of proofs without trust: checkpoints (签名检查点), cosignatures (见证签名), Merkle proofs. */
import { Field, Int, ObjectType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { connectionTypes } from '../relay.js';
import type { CheckpointRecord, CosignatureRecord } from '../../ledger/proof/index.js';

@ObjectType({ description: '见证签名: a witness’s C2SP tlog-cosignature/v1 of a checkpoint — the witness checked it is consistent with every checkpoint it cosigned before.' })
export class Cosignature {
  @Field({ description: 'The witness’s key name (e.g. audit.xuzhou.gov.cn/witness).' }) witness!: string;
  @Field({ description: 'The witness key’s 4-byte key id (hex).' }) keyId!: string;
  @Field(() => DateTimeISOResolver, { description: 'The time inside the cosignature.' }) cosignedAt!: string;
  @Field({ description: 'The signature line as it appears in the note.' }) line!: string;

  static from(record: CosignatureRecord): Cosignature {
    return Object.assign(new Cosignature(), record);
  }
}

@ObjectType({ description: '签名检查点: a signed statement (C2SP tlog-checkpoint, Ed25519) of the ledger Merkle tree’s size and root.' })
export class Checkpoint {
  @Field({ description: 'The log’s origin line (also the signing key’s name).' }) origin!: string;
  @Field(() => Int, { description: 'Tree size: the checkpoint covers transactions with seq 1 … treeSize.' }) treeSize!: number;
  @Field({ description: 'RFC 6962 root hash of the tree (base64).' }) rootHash!: string;
  @Field({ description: 'Name of the key that signed it.' }) keyName!: string;
  @Field({ description: 'The signing key’s 4-byte key id (hex): verify with the key of this id (GET /checkpoint/keys).' }) keyId!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the log signed it.' }) signedAt!: string;
  @Field({ description: 'The signed note, exactly as verifiers read it, with every witness cosignature appended.' }) note!: string;
  @Field(() => [Cosignature], { description: 'Witness cosignatures of this tree head.' }) cosignatures!: Cosignature[];
  /** Database id, the connection's cursor key. */
  key!: string;

  static from(record: CheckpointRecord): Checkpoint {
    return Object.assign(new Checkpoint(), {
      origin: record.origin,
      treeSize: record.size,
      rootHash: record.root.toString('base64'),
      keyName: record.keyName,
      keyId: record.keyId,
      signedAt: record.signedAt,
      note: record.note,
      cosignatures: record.cosignatures.map(Cosignature.from),
      key: record.id,
    });
  }
}

export const { ConnectionType: CheckpointConnection, build: buildCheckpointConnection } = connectionTypes(Checkpoint, 'Checkpoint');

@ObjectType({ description: '包含证明: RFC 9162 inclusion proof that a transaction is leaf `leafIndex` of the tree of `treeSize` leaves.' })
export class InclusionProof {
  @Field(() => Int, { description: 'seq − 1: the leaf’s position (leaf hash = SHA-256(0x00 ‖ transaction hash)).' }) leafIndex!: number;
  @Field(() => Int, { description: 'Size of the tree the proof is for.' }) treeSize!: number;
  @Field(() => [String], { description: 'The audit path (base64), leaf side first, as RFC 9162 §2.1.3 verifies it.' }) hashes!: string[];
  @Field(() => Checkpoint, { nullable: true, description: 'The signed checkpoint of this tree size, when one was signed: verify the proof against its root.' })
  checkpoint!: Checkpoint | null;
}

@ObjectType({ description: '一致性证明: RFC 9162 consistency proof that the tree of `fromSize` leaves is a prefix of the tree of `toSize` leaves.' })
export class ConsistencyProof {
  @Field(() => Int, { description: 'Size of the older tree.' }) fromSize!: number;
  @Field(() => Int, { description: 'Size of the newer tree.' }) toSize!: number;
  @Field(() => [String], { description: 'The proof hashes (base64), as RFC 9162 §2.1.4 verifies them.' }) hashes!: string[];
}

@ObjectType({ description: 'The ledger held against its latest signed checkpoint: catches dropped newest transactions and rewritten history, which the hash chain alone cannot.' })
export class CheckpointVerification {
  @Field({ description: 'True when the latest checkpoint verifies with the log key and the ledger’s transactions 1 … treeSize give its root.' }) ok!: boolean;
  @Field(() => Int, { nullable: true, description: 'Tree size of the latest checkpoint (null: none signed yet).' }) treeSize!: number | null;
  @Field(() => String, { nullable: true, description: 'Why not, when ok is false.' }) problem!: string | null;
}
