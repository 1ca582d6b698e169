import { median } from './median';

describe('median', () => {
  it('takes the middle value whatever the order, the upper middle of an even count, and leaves its input alone', () => {
    const values = [9, 1, 5];
    expect(median(values)).toBe(5);
    expect(values).toEqual([9, 1, 5]);
    expect(median([4, 1, 3, 2])).toBe(3);
    expect(median([10, 2])).toBe(10);
  });
});
