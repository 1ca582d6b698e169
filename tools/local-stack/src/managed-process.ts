import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const COLORS = [36, 35, 33, 32, 34, 31];

/** A child service whose every output line is printed with its name. */
export class ManagedProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly name: string,
    private readonly command: string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly colorIndex: number,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(onExit?: (code: number | null) => void): void {
    const [cmd, ...args] = this.command;
    const child = spawn(cmd, args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const label = `\x1b[${COLORS[this.colorIndex % COLORS.length]}m${this.name.padEnd(9)}\x1b[0m|`;
    const plain = !process.stdout.isTTY;
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.write(`${plain ? `${this.name.padEnd(9)}|` : label} ${line}`));
    }
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
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
