import { PassThrough } from 'node:stream';
import { ProgressView, printable, summaryTable, type Row } from './progress-view';

const row = (over: Partial<Row>): Row => ({ name: 'a.pdf', status: 'pending', progress: 0, stage: null, chunks: null, pages: null, error: null, seconds: null, ...over });

function stream(isTTY: boolean) {
  const out = new PassThrough() as PassThrough & { isTTY: boolean };
  out.isTTY = isTTY;
  let text = '';
  out.on('data', (c) => (text += c));
  return { out: out as unknown as NodeJS.WriteStream, text: () => text };
}

describe('summaryTable', () => {
  it('has the columns file, status, chunks, pages, time, error and never cuts the error', () => {
    const error = `the PDF is password-protected; ${'remove the password and upload it again '.repeat(3).trim()}`;
    const table = summaryTable([
      row({ name: 'guide.md', status: 'completed', chunks: 12, pages: null, seconds: 1.25 }),
      row({ name: 'locked.pdf', status: 'failed', chunks: 0, pages: 3, error, seconds: 0.1 }),
    ]).split('\n');
    expect(table[0].split(/\s+/)).toEqual(['file', 'status', 'chunks', 'pages', 'time', 'error']);
    expect(table[1]).toMatch(/^-+( {2}-+){5}$/);
    expect(table[2]).toMatch(/^guide\.md +completed +12 +– +1\.3 s$/);
    expect(table[3].endsWith(`0.1 s  ${error}`)).toBe(true);
    expect(table[3]).toMatch(/^locked\.pdf +failed +0 +3 /);
  });

  it('shortens a very long name with an ellipsis and keeps the columns aligned', () => {
    const table = summaryTable([row({ name: `${'x'.repeat(80)}.pdf`, status: 'completed' }), row({ name: 'b.md', status: 'completed' })]).split('\n');
    expect(table[2].indexOf('completed')).toBe(table[3].indexOf('completed'));
    expect(table[2]).toContain('…');
  });
});

describe('printable', () => {
  it('replaces control characters, which would drive the terminal', () => {
    expect(printable('evil\x1b[2Jname\n.txt')).toBe('evil?[2Jname?.txt');
  });
});

describe('ProgressView', () => {
  it('on a terminal redraws the bars in place', () => {
    const { out, text } = stream(true);
    const view = new ProgressView(out);
    view.render([row({ status: 'processing', stage: 'parsing', progress: 10 })]);
    view.render([row({ status: 'completed', progress: 100 })]);
    expect(text()).toContain('\x1b[1A'); // back up one line before the second drawing
    expect(text()).toMatch(/a\.pdf {2}█{24} 100 % {2}completed\n$/);
  });

  it('on a pipe prints a line only when a status or stage changes', () => {
    const { out, text } = stream(false);
    const view = new ProgressView(out);
    view.render([row({ status: 'processing', stage: 'embedding', progress: 20 })]);
    view.render([row({ status: 'processing', stage: 'embedding', progress: 40 })]);
    view.render([row({ status: 'completed', progress: 100 })]);
    expect(text().trim().split('\n')).toHaveLength(2);
    expect(text()).not.toContain('\x1b[');
  });
});
