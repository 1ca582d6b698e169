/**
 * The remote-style runs' ceiling: how fast the corpus could go through the service if nothing
 * took time but the embedder's round trips. The client keeps `filesInFlight` files going, in
 * corpus order, and starts the next one the moment one ends; a file's chunks are all cut the
 * moment it starts, in batches of `batchSize` with at most `batchesPerFile` of them out at once
 * (embedAndStore's bound); the service's request coalescer sends, whenever one of `slots`
 * requests is free, up to `batchSize` texts from the head of one queue across files
 * (RequestCoalescer); every request takes exactly `roundTripMs`.
 *
 * It answers what the endpoint's limit alone cannot: a file cannot end before its last request
 * comes back, so with few files in flight and few chunks per file the client keeps the slots
 * idle or the requests small however fast the service is. A target above the ceiling is out of
 * reach of any service that answers a file once it is stored.
 */
export interface ScheduleSettings {
  filesInFlight: number;
  batchSize: number;
  slots: number;
  roundTripMs: number;
  batchesPerFile: number;
}

export interface IdealSchedule {
  wallMs: number;
  requests: number;
  inputs: number;
}

interface QueuedBatch {
  file: number;
  left: number;
}

interface FileState {
  /** Chunks not yet put in a batch. */
  uncut: number;
  /** Batches queued or on the wire, each with the texts it still waits for. */
  open: Array<{ waiting: number }>;
  ended: boolean;
}

export function idealSchedule(chunksPerFile: readonly number[], settings: ScheduleSettings): IdealSchedule {
  const { filesInFlight, batchSize, slots, roundTripMs, batchesPerFile } = settings;
  const files: FileState[] = chunksPerFile.map((chunks) => ({ uncut: chunks, open: [], ended: false }));
  const queue: Array<QueuedBatch & { batch: { waiting: number } }> = [];
  const onWire: Array<{ endsAt: number; parts: Array<{ file: number; batch: { waiting: number }; count: number }> }> = [];
  let now = 0;
  let nextFile = 0;
  let filesOpen = 0;
  let requests = 0;
  let inputs = 0;

  const cutBatches = (file: number) => {
    const state = files[file];
    while (state.uncut > 0 && state.open.length < batchesPerFile) {
      const count = Math.min(batchSize, state.uncut);
      state.uncut -= count;
      const batch = { waiting: count };
      state.open.push(batch);
      queue.push({ file, left: count, batch });
    }
  };
  const startFiles = () => {
    while (filesOpen < filesInFlight && nextFile < files.length) {
      const file = nextFile++;
      // A file without chunks costs no round trip.
      if (files[file].uncut === 0) continue;
      filesOpen++;
      cutBatches(file);
    }
  };
  const sendRequests = () => {
    while (onWire.length < slots && queue.length > 0) {
      const parts: Array<{ file: number; batch: { waiting: number }; count: number }> = [];
      let size = 0;
      while (queue.length > 0 && size < batchSize) {
        const head = queue[0];
        const count = Math.min(head.left, batchSize - size);
        parts.push({ file: head.file, batch: head.batch, count });
        head.left -= count;
        size += count;
        if (head.left === 0) queue.shift();
      }
      onWire.push({ endsAt: now + roundTripMs, parts });
      requests++;
      inputs += size;
    }
  };

  startFiles();
  sendRequests();
  while (onWire.length > 0) {
    onWire.sort((a, b) => a.endsAt - b.endsAt);
    const answered = onWire.shift()!;
    now = answered.endsAt;
    for (const { file, batch, count } of answered.parts) {
      batch.waiting -= count;
      const state = files[file];
      // Batches are stored in file order: the oldest answered frees room for the next cut.
      while (state.open.length > 0 && state.open[0].waiting === 0) state.open.shift();
      cutBatches(file);
      if (!state.ended && state.uncut === 0 && state.open.length === 0) {
        state.ended = true;
        filesOpen--;
      }
    }
    startFiles();
    sendRequests();
  }
  return { wallMs: now, requests, inputs };
}
