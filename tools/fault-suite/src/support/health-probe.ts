import { writeFileSync } from 'node:fs';
import { sleep } from '@docingest/contracts/testing';

export interface HealthFigures {
  requests: number;
  failures: string[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN);
const round = (ms: number) => Number(ms.toFixed(1));

/**
 * Asks `url` every `everyMs` until stopped, one request at a time, each bounded: the latency of
 * every answer and every failure (no answer in time, a status other than 200) are kept.
 */
export function startHealthProbe(url: string, everyMs = 100, timeoutMs = 10_000) {
  const latencies: number[] = [];
  const failures: string[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        await response.arrayBuffer();
        if (response.status === 200) latencies.push(performance.now() - started);
        else failures.push(`status ${response.status}`);
      } catch (error) {
        failures.push(`${(error as Error).name}: ${(error as Error).message}`);
      }
      await sleep(everyMs);
    }
  })();
  return {
    async stop(): Promise<HealthFigures> {
      running = false;
      await loop;
      const sorted = [...latencies].sort((a, b) => a - b);
      return {
        requests: latencies.length + failures.length,
        failures,
        p50Ms: round(percentile(sorted, 0.5)),
        p99Ms: round(percentile(sorted, 0.99)),
        maxMs: round(sorted.at(-1) ?? NaN),
      };
    },
  };
}

/**
 * Resets a process's peak resident memory (VmHWM) so the next reading is the peak of what runs
 * after it (Linux: writing 5 to clear_refs). False where that is not allowed.
 */
export function resetPeakMemory(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
