import { splitInWindows, windowEnd } from './windowed-split';

describe('windowEnd', () => {
  it('ends a window at a paragraph break, else a line break, else a sentence end, else a space', () => {
    expect(windowEnd('aaaa bbbb.\n\ncccc dddd', 0, 16)).toBe(12);
    expect(windowEnd('aaaa bbbb.\ncccc dddd', 0, 16)).toBe(11);
    expect(windowEnd('aaaa bbbb. cccc dddd', 0, 16)).toBe(11);
    expect(windowEnd('aaaa bbbbcccc dddd', 0, 16)).toBe(14);
    expect(windowEnd('short', 0, 16)).toBe(5);
  });

  it('never cuts a surrogate pair when there is no break at all', () => {
    const text = '😀'.repeat(20);
    const end = windowEnd(text, 0, 11);
    expect(end % 2).toBe(0);
    expect(text.slice(0, end)).toBe('😀'.repeat(end / 2));
  });
});

describe('splitInWindows', () => {
  it('drops each window’s last piece and starts the next window where it started', () => {
    const windows: string[] = [];
    // A splitter stand-in: pieces of three words, overlapping by one.
    const splitter = {
      splitText(text: string) {
        windows.push(text);
        const words = text.trim().split(/\s+/);
        const pieces: string[] = [];
        for (let i = 0; i < words.length; i += 2) {
          pieces.push(words.slice(i, i + 3).join(' '));
          if (i + 3 >= words.length) break;
        }
        return pieces;
      },
    };
    const text = Array.from({ length: 2000 }, (_, i) => `w${i}`).join(' ');
    const pieces = [...splitInWindows(text, splitter, { firstWindowChars: 30, chunksPerWindow: 2 })];
    expect(windows.length).toBeGreaterThan(5);
    expect(pieces).toEqual(splitter.splitText(text));
  });
});
