import { parentPort } from 'node:worker_threads';
import { DocumentChunker } from '@docingest/chunking';
import type { ChunkPageReply, ChunkPageTask } from './chunk-worker-pool';

// One thread of ChunkWorkerPool: cuts one page at a time. The chunks' place in the file (index,
// id) is given by the caller, which alone knows what came before; a chunker is kept per setting.
const chunkers = new Map<string, DocumentChunker>();

parentPort!.on('message', (task: ChunkPageTask) => {
  let reply: ChunkPageReply;
  try {
    const key = `${task.chunkSize}:${task.chunkOverlap}`;
    let chunker = chunkers.get(key);
    if (!chunker) {
      chunker = new DocumentChunker({ chunkSize: task.chunkSize, chunkOverlap: task.chunkOverlap, fileUuid: '', knowledgebaseId: '' });
      chunkers.set(key, chunker);
    }
    const pieces: Array<{ text: string; contentHash: string }> = [];
    for (const chunk of chunker.chunkPage({ text: task.text, pageNumber: task.pageNumber })) pieces.push({ text: chunk.text, contentHash: chunk.contentHash });
    reply = { id: task.id, pieces };
  } catch (error) {
    reply = { id: task.id, error: { name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error) } };
  }
  parentPort!.postMessage(reply);
});
