/** How server.main.ts is told where to listen: flags first, then environment variables. */
export interface ServerConfig {
  port: number;
  host: string;
  rootDir: string | undefined;
  buckets: string[];
}

export class ServerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServerConfigError';
  }
}

const USAGE = 'usage: server.main.ts [--port N] [--host H] [--root DIR] [--bucket NAME]... (or LOCAL_GCS_PORT, LOCAL_GCS_HOST, LOCAL_GCS_ROOT, LOCAL_GCS_BUCKETS=a,b)';

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function readServerConfig(argv: string[], env: NodeJS.ProcessEnv): ServerConfig {
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const match = /^--(port|host|root|bucket)(?:=(.*))?$/.exec(arg);
    if (!match) throw new ServerConfigError(`unknown argument "${arg}"; ${USAGE}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new ServerConfigError(`--${match[1]} needs a value; ${USAGE}`);
    flags.set(match[1], [...(flags.get(match[1]) ?? []), value]);
  }
  const portText = flags.get('port')?.at(-1) ?? env.LOCAL_GCS_PORT ?? '0';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ServerConfigError(`port must be 0-65535, not "${portText}"`);
  return {
    port,
    host: flags.get('host')?.at(-1) ?? env.LOCAL_GCS_HOST ?? '127.0.0.1',
    rootDir: flags.get('root')?.at(-1) ?? (env.LOCAL_GCS_ROOT || undefined),
    buckets: flags.has('bucket') ? (flags.get('bucket') ?? []).flatMap((b) => splitList(b)) : splitList(env.LOCAL_GCS_BUCKETS),
  };
}
