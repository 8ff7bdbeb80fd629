/** Proof without trust: the Merkle tree over the ledger, signed checkpoints, proofs, witnesses and bundles. */
export { ProofService, CheckpointRefused, type CheckpointRecord, type CosignatureRecord } from './checkpoints.js';
export { proofKeysFrom, proofKeysFromEnv, publishedKeys, type ProofKeys } from './keys.js';
export { integrate, integrateAll, treeHead } from './tree.js';
export { writeBundle, BUNDLE_FORMATS, type BundleFormat, type BundleOptions } from './bundle.js';
