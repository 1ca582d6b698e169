import { round } from './round';

describe('round', () => {
  it('keeps two decimals unless told otherwise, rounding half up', () => {
    expect(round(2.345678)).toBe(2.35);
    expect(round(0.125, 1)).toBe(0.1);
    expect(round(1.25, 1)).toBe(1.3);
    expect(round(0.0123456, 3)).toBe(0.012);
    expect(round(41.9449, 0)).toBe(42);
  });
});
