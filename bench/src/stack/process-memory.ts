import { readFileSync, writeFileSync } from 'node:fs';
import { round } from '../report/round';

export interface MemoryReading {
  rssMb: number;
  /** Peak resident set since start or since the last resetPeak() (VmHWM). */
  peakMb: number;
}

/**
 * Resident memory of one process, read from /proc/<pid>/status. The kernel's own high-water mark
 * (VmHWM) catches peaks between samples; a 100 ms sampler of VmRSS backs it up where the mark
 * cannot be reset (writing 5 to clear_refs needs Linux 4.0+ and permission).
 */
export class ProcessMemory {
  private sampledPeakKb = 0;
  private timer: NodeJS.Timeout | null = null;
  private resettable = true;

  constructor(readonly pid: number) {}

  read(): MemoryReading | null {
    const status = this.status();
    if (!status) return null;
    const peakKb = this.resettable ? Math.max(status.hwmKb, this.sampledPeakKb) : this.sampledPeakKb;
    return { rssMb: round(status.rssKb / 1024, 1), peakMb: round(peakKb / 1024, 1) };
  }

  /** Starts a new peak window (called before each measured run). */
  resetPeak(): void {
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
    } catch {
      this.resettable = false;
    }
    this.sampledPeakKb = this.status()?.rssKb ?? 0;
  }

  startSampling(intervalMs = 100): void {
    this.timer ??= setInterval(() => {
      const status = this.status();
      if (status) this.sampledPeakKb = Math.max(this.sampledPeakKb, status.rssKb);
    }, intervalMs).unref();
  }

  stopSampling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private status(): { rssKb: number; hwmKb: number } | null {
    let text: string;
    try {
      text = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    } catch {
      return null; // not Linux, or the process is gone
    }
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
  }
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat, or null off Linux.
 * Unlike wall time, other work on a shared machine does not inflate it: it says which process
 * a run's work fell on.
 */
export function processCpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime, the 14th and 15th fields of the line (11th and 12th after the command name).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}
