// Jest reporter: gathers the rows the fault tests wrote (reports/faults/parts/*.json), takes each
// row's verdict from Jest's own result, writes reports/faults/matrix.json and prints the matrix.
const fs = require('node:fs');
const path = require('node:path');
const { stripVTControlCharacters } = require('node:util');

const reportDir = path.resolve(__dirname, '../../../reports/faults');
const partsDir = path.join(reportDir, 'parts');

function wrap(text, width) {
  const lines = [];
  for (const paragraph of String(text).split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return lines;
}

class FaultMatrixReporter {
  constructor() {
    this.results = new Map();
    this.started = Date.now();
  }

  onRunStart() {
    fs.rmSync(partsDir, { recursive: true, force: true });
    this.started = Date.now();
  }

  onTestResult(_test, testResult) {
    for (const result of testResult.testResults) this.results.set(result.fullName, result);
  }

  onRunComplete() {
    if (!fs.existsSync(partsDir)) return;
    const rows = [];
    for (const file of fs
      .readdirSync(partsDir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      for (const row of JSON.parse(fs.readFileSync(path.join(partsDir, file), 'utf8'))) {
        const result = this.results.get(row.test);
        const verdict = result
          ? result.status === 'passed'
            ? 'pass'
            : result.status === 'failed'
              ? 'FAIL'
              : result.status
          : row.verdict === 'running'
            ? 'FAIL'
            : row.verdict;
        if (result?.status === 'failed' && !row.happened.some((h) => h.startsWith('assertion failed'))) {
          row.happened.push(`failed: ${stripVTControlCharacters(String(result.failureMessages[0] ?? '')).split('\n')[0]}`);
        }
        rows.push({ ...row, verdict, durationMs: result?.duration ?? null });
      }
    }
    const matrix = {
      generatedAt: new Date().toISOString(),
      runMs: Date.now() - this.started,
      total: rows.length,
      passed: rows.filter((r) => r.verdict === 'pass').length,
      failed: rows.filter((r) => r.verdict === 'FAIL').length,
      rows,
    };
    fs.mkdirSync(reportDir, { recursive: true });
    fs.writeFileSync(path.join(reportDir, 'matrix.json'), JSON.stringify(matrix, null, 2));

    const out = [];
    const rule = '─'.repeat(100);
    out.push('', rule, `FAULT MATRIX  ${matrix.passed} as expected, ${matrix.failed} not, of ${matrix.total}   (reports/faults/matrix.json)`, rule);
    for (const row of rows) {
      out.push(`[${row.verdict === 'pass' ? ' ok ' : row.verdict}] ${row.suite}: ${row.fault}`);
      wrap(row.expected, 88).forEach((l, i) => out.push(`${i ? '                 ' : '       expected: '}${l}`));
      out.push('       happened:');
      for (const fact of row.happened.length ? row.happened : ['(nothing recorded)']) {
        wrap(fact, 88).forEach((l, i) => out.push(`${i ? '           ' : '         - '}${l}`));
      }
    }
    out.push(rule, '');
    process.stdout.write(`${out.join('\n')}\n`);
  }
}

module.exports = FaultMatrixReporter;
