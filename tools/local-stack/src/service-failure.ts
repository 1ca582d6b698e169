const SEVERE = new Set(['CRITICAL', 'ERROR', 'fatal', 'error', 60, 50]);

/** The one line that best says why a service stopped: its last fatal or error log, else its last error line, else its last line. */
export function reasonFromOutput(lines: string[]): string {
  for (const line of [...lines].reverse()) {
    try {
      const entry = JSON.parse(line) as { severity?: string; level?: string | number; msg?: unknown; message?: unknown };
      const text = entry.msg ?? entry.message;
      if (SEVERE.has((entry.severity ?? entry.level) as string) && typeof text === 'string') return text;
    } catch {
      // not a JSON log line
    }
  }
  // A plain stack trace: its message line, not the frame printed last.
  const plain = [...lines]
    .reverse()
    .map((line) => line.trim())
    .filter((line) => line && !/^at\s/.test(line));
  return plain.find((line) => /^([A-Za-z]*Error|Uncaught)\b/.test(line)) ?? plain[0] ?? 'it printed nothing';
}

/** A service of the stack exited before it answered its readiness check. */
export class ServiceStartError extends Error {
  constructor(service: string, code: number | null, signal: string | null, lines: string[]) {
    super(`${service} stopped before it was ready (${signal ? `signal ${signal}` : `exit code ${code}`}): ${reasonFromOutput(lines).replace(/\s*\n\s*/g, ' ')}`);
    this.name = 'ServiceStartError';
  }
}
