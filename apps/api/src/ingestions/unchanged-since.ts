import type { ObjectVersion } from '@docingest/contracts';
import type { Link } from './link';

/**
 * The object version an attempt may be skipped at (skip_if_unchanged of /ingest-file,
 * docs/wire-contract.md#re-ingestion): the one the link's last completed attempt stored, when that
 * attempt used the knowledge base's present model and chunk settings. None for a forced attempt,
 * a link never completed, or settings that changed since.
 */
export function unchangedSince(link: Link, kb: { embedding_model: string; chunk_size: number; chunk_overlap: number }): ObjectVersion | null {
  const last = link.completed_object;
  if (link.forced || !last) return null;
  const same = last.embedding_model === kb.embedding_model && last.chunk_size === kb.chunk_size && last.chunk_overlap === kb.chunk_overlap;
  return same ? { generation: last.generation, crc32c: last.crc32c } : null;
}
