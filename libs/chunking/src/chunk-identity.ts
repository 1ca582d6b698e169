import { createHash } from 'node:crypto';

/** The project's UUID namespace for chunk ids (random, fixed forever: changing it changes every id). */
export const CHUNK_ID_NAMESPACE = '3f6c1b52-8d4e-4a0f-9b7d-2e5a9c18f4d6';

const NAMESPACE_BYTES = Buffer.from(CHUNK_ID_NAMESPACE.replace(/-/g, ''), 'hex');

/** RFC 4122 version 5 UUID: Python's `uuid.uuid5(UUID(CHUNK_ID_NAMESPACE), name)` gives the same. */
export function uuidV5(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE_BYTES).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function contentHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface ChunkIdentity {
  fileUuid: string;
  knowledgebaseId: string;
  chunkSize: number;
  chunkOverlap: number;
  index: number;
  contentHash: string;
}

/**
 * The node_id of a chunk. The same file chunked with the same settings gets the same ids, so a
 * re-ingestion rewrites rows rather than adding new ones; other settings or other text give other
 * ids. The index tells apart repeated text (a footer on every page); the hash makes an id
 * never outlive the text it was made for. The name is a JSON array so no field can bleed into
 * the next.
 */
export function chunkId(identity: ChunkIdentity): string {
  const { fileUuid, knowledgebaseId, chunkSize, chunkOverlap, index } = identity;
  return uuidV5(JSON.stringify([fileUuid, knowledgebaseId, chunkSize, chunkOverlap, index, identity.contentHash]));
}
