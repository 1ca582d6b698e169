import { readFileSync } from 'node:fs';

/**
 * Peak and current resident memory of a process, in MiB, from /proc (Linux): the kernel keeps
 * the high-water mark, so a peak between two samples is not missed. Null when unreadable.
 */
export function processMemory(pid: number | undefined): { peakMiB: number; rssMiB: number } | null {
  if (!pid || pid < 0) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const peak = kib('VmHWM');
    const rss = kib('VmRSS');
    if (Number.isNaN(peak)) return null;
    return { peakMiB: Math.round(peak / 1024), rssMiB: Math.round(rss / 1024) };
  } catch {
    return null;
  }
}
