import { ContentHasher } from './content-hasher';
import type { UploadSink } from './object-store';

/** An upload's bytes so far, hashed as they arrive so no byte is read twice. */
export class PendingUpload {
  readonly hasher = new ContentHasher();

  constructor(readonly sink: UploadSink) {}

  get size(): number {
    return this.sink.size;
  }

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.hasher.update(chunk);
    await this.sink.append(chunk);
  }

  /** Streams a whole request body in, awaiting each write. */
  async writeAll(body: AsyncIterable<Buffer>): Promise<void> {
    for await (const chunk of body) await this.write(chunk);
  }

  discard(): Promise<void> {
    return this.sink.discard();
  }
}
