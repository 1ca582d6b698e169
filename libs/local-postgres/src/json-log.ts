/** One structured event. */
export type Log = (event: string, fields?: Record<string, unknown>) => void;

/** Writes each event as one JSON line on stdout, where the parent process reads them. */
export function jsonLineLog(service: string): Log {
  return (event, fields = {}) => {
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), service, event, ...fields })}\n`);
  };
}
