import type { LoggerOptions } from 'pino';

/** Cloud Logging's severities for pino's levels. */
export const SEVERITY: Readonly<Record<string, string>> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

/**
 * pino settings whose lines Cloud Logging reads natively: `severity` instead of a numeric
 * level, the text under `message`, an RFC 3339 `time`. A line logged with only an object that
 * names an `event` gets that event as its message, so every line has one.
 */
export function cloudLoggingOptions(options: { service: string; level: string }): LoggerOptions {
  return {
    level: options.level,
    messageKey: 'message',
    base: { service: options.service },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: {
      level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }),
    },
    hooks: {
      logMethod(args, method) {
        const [first] = args as unknown[];
        if (args.length === 1 && first && typeof first === 'object' && !('message' in first) && typeof (first as { event?: unknown }).event === 'string') {
          return method.apply(this, [first, (first as { event: string }).event] as never);
        }
        return method.apply(this, args);
      },
    },
  };
}
