import { EmbeddingRequestError } from '../errors';

/** Sends one request for `texts` and answers one vector per text, in order. */
export type SendRequest = (texts: string[], signal: AbortSignal) => Promise<Float32Array[]>;

/** One submit(): a caller's batch, answered whole once every one of its texts has its vector. */
interface Piece {
  texts: string[];
  /** Most inputs a request carrying this piece may hold: its caller's batch size. */
  cap: number;
  vectors: Float32Array[];
  /** Texts not answered yet. */
  unanswered: number;
  settled: boolean;
  /** Requests on the wire with some of its texts. */
  requests: Set<PendingRequest>;
  resolve(vectors: Float32Array[]): void;
  reject(error: unknown): void;
  detach(): void;
}

/** Texts of a piece still to send, `start` to `end`; `alone`: a request that carried them with others was refused. */
interface Segment {
  piece: Piece;
  start: number;
  end: number;
  alone: boolean;
}

interface Part {
  piece: Piece;
  start: number;
  count: number;
}

interface PendingRequest {
  parts: Part[];
  controller: AbortController;
}

/**
 * Forms embedding requests when a request slot frees, not when texts arrive. The texts of every
 * caller (the files being ingested) wait in one queue in arrival order, and a free slot takes up
 * to a batch size of them from its head, across callers and cutting a caller's batch where the
 * request is full (the rest goes first in the next one). Small files' few chunks then fill a
 * request together instead of each taking a slot for three inputs, a large file cannot starve
 * the small ones behind it, and with a slot free whatever is queued goes out at once: nothing
 * waits for a request to fill. A request holds only texts of the same batch size.
 *
 * A request the server refuses (4xx other than 408/429: about the input) is sent again part by
 * part, so one caller's bad input fails that caller alone. A caller that aborts leaves the queue
 * at once; the answer of a request it shares is dropped for it, and the request is cancelled
 * only when every caller in it has gone.
 */
export class RequestCoalescer {
  private readonly queue: Segment[] = [];
  private active = 0;

  constructor(
    private readonly send: SendRequest,
    private readonly maxRequests: number,
  ) {}

  /** Texts waiting for a request slot. */
  get queued(): number {
    return this.queue.reduce((sum, segment) => sum + segment.end - segment.start, 0);
  }

  submit(texts: string[], cap: number, signal?: AbortSignal): Promise<Float32Array[]> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      if (texts.length === 0) return resolve([]);
      const piece: Piece = {
        texts,
        cap,
        vectors: new Array(texts.length),
        unanswered: texts.length,
        settled: false,
        requests: new Set(),
        resolve,
        reject,
        detach: () => undefined,
      };
      if (signal) {
        const onAbort = () => this.fail(piece, signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        piece.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push({ piece, start: 0, end: texts.length, alone: false });
      this.pump();
    });
  }

  private pump(): void {
    while (this.active < this.maxRequests && this.queue.length > 0) {
      this.active++;
      void this.run(this.take());
    }
  }

  /** Up to the head's batch size of texts from the head of the queue, in arrival order. */
  private take(): PendingRequest {
    const head = this.queue[0];
    const cap = head.piece.cap;
    const parts: Part[] = [];
    let size = 0;
    for (let i = 0; i < this.queue.length && size < cap;) {
      const segment = this.queue[i];
      const joins = segment === head || (!head.alone && !segment.alone && segment.piece.cap === cap);
      if (!joins) {
        i++;
        continue;
      }
      const count = Math.min(segment.end - segment.start, cap - size);
      parts.push({ piece: segment.piece, start: segment.start, count });
      segment.start += count;
      size += count;
      if (segment.start === segment.end) this.queue.splice(i, 1);
      else i++;
      if (head.alone) break;
    }
    const request: PendingRequest = { parts, controller: new AbortController() };
    for (const part of parts) part.piece.requests.add(request);
    return request;
  }

  private async run(request: PendingRequest): Promise<void> {
    const { parts } = request;
    try {
      const vectors = await this.send(
        parts.flatMap(({ piece, start, count }) => piece.texts.slice(start, start + count)),
        request.controller.signal,
      );
      let at = 0;
      for (const { piece, start, count } of parts) {
        piece.requests.delete(request);
        if (!piece.settled) {
          for (let i = 0; i < count; i++) piece.vectors[start + i] = vectors[at + i];
          piece.unanswered -= count;
          if (piece.unanswered === 0) settle(piece, () => piece.resolve(piece.vectors));
        }
        at += count;
      }
    } catch (error) {
      for (const part of parts) part.piece.requests.delete(request);
      const waiting = parts.filter((part) => !part.piece.settled);
      const shared = new Set(parts.map((part) => part.piece)).size > 1;
      if (error instanceof EmbeddingRequestError && shared) {
        this.queue.unshift(...waiting.map(({ piece, start, count }) => ({ piece, start, end: start + count, alone: true })));
      } else {
        for (const { piece } of waiting) this.fail(piece, error);
      }
    } finally {
      this.active--;
      this.pump();
    }
  }

  /** Rejects the piece, drops its queued texts and cancels the requests no other caller waits for. */
  private fail(piece: Piece, error: unknown): void {
    if (piece.settled) return;
    settle(piece, () => piece.reject(error));
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].piece === piece) this.queue.splice(i, 1);
    for (const request of piece.requests) {
      if (request.parts.every((part) => part.piece.settled)) request.controller.abort(error);
    }
  }
}

function settle(piece: Piece, action: () => void): void {
  if (piece.settled) return;
  piece.settled = true;
  piece.detach();
  action();
}
