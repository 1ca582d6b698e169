/** One JSON log line of a service (api or ingestion), as Cloud Logging would read it. */
export interface LogLine {
  service: string;
  event?: string;
  /** RFC 3339, millisecond precision, this machine's clock. */
  time: string;
  link_id?: number;
  [field: string]: unknown;
}

/**
 * The services' JSON log lines, kept in memory while the latency run lasts: the events that say
 * when the api sent a dispatch and when the service started and ended a file, with the service's
 * own stage timings. Lines that are not JSON (a stack trace) are kept only in the tail, for errors.
 */
export class ServiceLog {
  private readonly lines: LogLine[] = [];
  private readonly tail: string[] = [];

  add(raw: string): void {
    this.tail.push(raw);
    if (this.tail.length > 40) this.tail.shift();
    if (!raw.startsWith('{')) return;
    try {
      const line = JSON.parse(raw) as LogLine;
      if (typeof line.event === 'string' && typeof line.time === 'string') this.lines.push(line);
    } catch {
      // Not a log line of ours.
    }
  }

  /** The first line of `event` about this link, from this service. */
  find(service: 'api' | 'ingestion', event: string, linkId: number): LogLine | undefined {
    return this.lines.find((l) => l.service === service && l.event === event && l.link_id === linkId);
  }

  /** The last lines the services printed, for a failure's message. */
  recent(): string {
    return this.tail.join('\n');
  }
}
