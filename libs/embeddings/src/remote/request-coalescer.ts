import { EmbeddingRequestError } from '../errors';

/** Sends one request for `texts` and answers one vector per text, in order. */
export type SendRequest = (texts: string[], signal: AbortSignal) => Promise<Float32Array[]>;

interface Piece {
  texts: string[];
  /** Most inputs a request carrying this piece may hold: its caller's batch size. */
  cap: number;
  /** Sent on its own from now on: a request it shared was refused. */
  alone: boolean;
  settled: boolean;
  request?: PendingRequest;
  resolve(vectors: Float32Array[]): void;
  reject(error: unknown): void;
  detach(): void;
}

interface PendingRequest {
  pieces: Piece[];
  controller: AbortController;
}

/**
 * Forms embedding requests when a request slot frees, not when texts arrive. While every slot is
 * busy, the pieces of all callers (the files being ingested) wait in one queue, and a free slot
 * takes as many as fit in one request, never more than any member's own batch size. A small
 * file's few chunks then share a request with other files' instead of taking a whole slot for
 * three inputs; with a slot free, a piece goes out at once, so nothing waits to be merged.
 *
 * A request the server refuses (4xx) is sent again piece by piece, so one caller's bad input
 * fails that caller alone. A caller that aborts leaves the queue at once; a request it shares
 * is cancelled only when every caller in it has gone.
 */
export class RequestCoalescer {
  private readonly queue: Piece[] = [];
  private active = 0;

  constructor(
    private readonly send: SendRequest,
    private readonly maxRequests: number,
  ) {}

  submit(texts: string[], cap: number, signal?: AbortSignal): Promise<Float32Array[]> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const piece: Piece = { texts, cap, alone: false, settled: false, resolve, reject, detach: () => undefined };
      if (signal) {
        const onAbort = () => {
          const queued = this.queue.indexOf(piece);
          if (queued >= 0) this.queue.splice(queued, 1);
          settle(piece, () => reject(signal.reason));
          const request = piece.request;
          if (request && request.pieces.every((p) => p.settled)) request.controller.abort(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        piece.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(piece);
      this.pump();
    });
  }

  private pump(): void {
    while (this.active < this.maxRequests && this.queue.length > 0) {
      this.active++;
      void this.run(this.take());
    }
  }

  /** The oldest piece and, first fit, the waiting pieces that still fit beside it. */
  private take(): PendingRequest {
    const first = this.queue.shift()!;
    const pieces = [first];
    let size = first.texts.length;
    let cap = first.cap;
    if (!first.alone) {
      for (let i = 0; i < this.queue.length && size < cap;) {
        const piece = this.queue[i];
        const joinedCap = Math.min(cap, piece.cap);
        if (!piece.alone && size + piece.texts.length <= joinedCap) {
          this.queue.splice(i, 1);
          pieces.push(piece);
          size += piece.texts.length;
          cap = joinedCap;
        } else {
          i++;
        }
      }
    }
    const request: PendingRequest = { pieces, controller: new AbortController() };
    for (const piece of pieces) piece.request = request;
    return request;
  }

  private async run(request: PendingRequest): Promise<void> {
    try {
      const vectors = await this.send(
        request.pieces.flatMap((p) => p.texts),
        request.controller.signal,
      );
      let at = 0;
      for (const piece of request.pieces) {
        const own = vectors.slice(at, at + piece.texts.length);
        at += piece.texts.length;
        settle(piece, () => piece.resolve(own));
      }
    } catch (error) {
      const waiting = request.pieces.filter((p) => !p.settled);
      if (error instanceof EmbeddingRequestError && request.pieces.length > 1) {
        for (const piece of waiting) {
          piece.alone = true;
          piece.request = undefined;
        }
        this.queue.unshift(...waiting);
      } else {
        for (const piece of waiting) settle(piece, () => piece.reject(error));
      }
    } finally {
      this.active--;
      this.pump();
    }
  }
}

function settle(piece: Piece, action: () => void): void {
  if (piece.settled) return;
  piece.settled = true;
  piece.detach();
  action();
}
