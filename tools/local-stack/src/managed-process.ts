import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const COLORS = [36, 35, 33, 32, 34, 31];
const TAIL_LINES = 15;

/** A child service whose every output line is printed with its name. */
export class ManagedProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);
  private readonly tail: string[] = [];
  private exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(
    readonly name: string,
    private readonly command: string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly colorIndex: number,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
    /** How a line is shown (npm start pretty-prints the JSON logs); the tail keeps it as printed. */
    private readonly format: (line: string) => string = (line) => line,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** How the last run ended (null while running or never started): a test tells a clean exit from a kill. */
  get lastExit(): { code: number | null; signal: NodeJS.Signals | null } | null {
    return this.exit;
  }

  /** The last lines the service printed: what to show when it dies before it is ready. */
  get lastLines(): string[] {
    return [...this.tail];
  }

  /** `extraEnv` applies to this run only (a test restarting a service with other knobs). */
  start(onExit?: (code: number | null) => void, extraEnv: NodeJS.ProcessEnv = {}): void {
    const [cmd, ...args] = this.command;
    const child = spawn(cmd, args, { env: { ...this.env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exit = null;
    this.tail.length = 0;
    // A launcher that exits (an uncaught error, process.exit) must not leave its services behind.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const label = `\x1b[${COLORS[this.colorIndex % COLORS.length]}m${this.name.padEnd(9)}\x1b[0m|`;
    const plain = !process.stdout.isTTY;
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
        this.write(`${plain ? `${this.name.padEnd(9)}|` : label} ${this.format(line)}`);
      });
    }
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        process.removeListener('exit', killOnExit);
        resolve(code);
        onExit?.(code);
      }),
    );
  }

  /** Sends a signal (a test's SIGKILL, say) and answers when the process has exited. */
  async kill(signal: NodeJS.Signals): Promise<number | null> {
    if (this.running) this.child!.kill(signal);
    return this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
