import { prettyFactory } from 'pino-pretty';

/**
 * `npm start` shows people readable, coloured lines; the services themselves still write the
 * JSON Cloud Logging reads. A line that is not one of their JSON lines is shown as it is.
 */
export function prettyLogLine(colorize: boolean): (line: string) => string {
  const pretty = prettyFactory({
    colorize,
    messageKey: 'message',
    levelKey: 'severity',
    customLevels: 'DEBUG:20,INFO:30,WARNING:40,ERROR:50,CRITICAL:60',
    useOnlyCustomProps: true,
    translateTime: 'SYS:HH:MM:ss.l',
    // Dots inside a key are escaped: pino-pretty reads a dot as a path.
    ignore: 'service,pid,hostname,logging\\.googleapis\\.com/trace,logging\\.googleapis\\.com/spanId,logging\\.googleapis\\.com/trace_sampled',
    singleLine: true,
  });
  return (line) => {
    if (!line.startsWith('{')) return line;
    try {
      return pretty(JSON.parse(line)).trimEnd();
    } catch {
      return line;
    }
  };
}
