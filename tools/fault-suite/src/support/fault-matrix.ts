import { stripVTControlCharacters } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/** Where the matrix goes: reports/faults/ at the workspace root. */
export const FAULT_REPORT_DIR = resolve(__dirname, '../../../../reports/faults');
export const FAULT_PARTS_DIR = join(FAULT_REPORT_DIR, 'parts');

export interface FaultRow {
  /** The spec file that ran it. */
  suite: string;
  /** Jest's full test name: the reporter joins the row to the test's result by it. */
  test: string;
  fault: string;
  expected: string;
  /** Facts observed while the test ran, in order. */
  happened: string[];
  /** Set by the test body; the reporter replaces it with Jest's own verdict. */
  verdict: 'pass' | 'FAIL' | 'running';
}

const rows: FaultRow[] = [];

function save(suite: string): void {
  mkdirSync(FAULT_PARTS_DIR, { recursive: true });
  writeFileSync(
    join(FAULT_PARTS_DIR, `${suite}.json`),
    JSON.stringify(
      rows.filter((r) => r.suite === suite),
      null,
      2,
    ),
  );
}

export type Observe = (fact: string) => void;

/**
 * A Jest test that is also a row of the fault matrix: the fault, what should happen, and every
 * fact the body observes. A failing assertion ends up in the row too, so the matrix says why.
 */
export function faultTest(fault: string, expected: string, body: (observe: Observe) => Promise<void>, timeoutMs?: number): void {
  it(
    fault,
    async () => {
      const state = expect.getState();
      const suite = basename(state.testPath ?? 'unknown').replace(/\.e2e-spec\.ts$|\.spec\.ts$/, '');
      const row: FaultRow = { suite, test: state.currentTestName ?? fault, fault, expected, happened: [], verdict: 'running' };
      rows.push(row);
      save(suite);
      try {
        await body((fact) => {
          row.happened.push(fact);
          save(suite);
        });
        row.verdict = 'pass';
      } catch (error) {
        row.verdict = 'FAIL';
        const message = stripVTControlCharacters(String((error as Error).message ?? error));
        row.happened.push(
          `assertion failed: ${message
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean)
            .slice(0, 6)
            .join(' / ')}`,
        );
        throw error;
      } finally {
        save(suite);
      }
    },
    timeoutMs,
  );
}
