import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { workspaceRoot } from './e2e-system';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A workspace entry point (`tools/.../main.ts`) run as its own process, as `npm start` or `npm run`
 * runs it: its exit code and output, or a failure naming `what` with the output so far when it has
 * not ended within `timeoutMs`.
 */
export function runWorkspaceMain(main: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number, what: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', join(workspaceRoot, main), ...args], {
      cwd: workspaceRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not end within ${timeoutMs / 1000} s; output so far:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `npm run ingest -- <args>` as a user runs it: a separate process, output on a pipe. */
export function runIngestCli(args: string[], env: { API_URL: string; ADMIN_API_KEY: string }, timeoutMs = 180_000): Promise<CliRun> {
  return runWorkspaceMain('tools/ingest-cli/src/main.ts', args, env, timeoutMs, 'the ingest CLI');
}

/** The summary table's rows, as header name → cell, found by its header line. */
export function parseSummaryTable(stdout: string): Array<Record<string, string>> {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => /^file\s+status\s+/.test(line));
  if (start < 0) throw new Error(`no summary table in:\n${stdout}`);
  const header = lines[start];
  const rule = lines[start + 1];
  // Column boundaries come from the dashed rule under the header: cells may hold spaces.
  const columns: Array<{ name: string; from: number; to: number }> = [];
  for (const match of rule.matchAll(/-+/g)) {
    const from = match.index!;
    columns.push({ name: header.slice(from, from + match[0].length).trim(), from, to: from + match[0].length });
  }
  const rows: Array<Record<string, string>> = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.trim()) break;
    rows.push(Object.fromEntries(columns.map((c, i) => [c.name, line.slice(c.from, i === columns.length - 1 ? undefined : columns[i + 1].from).trim()])));
  }
  return rows;
}
