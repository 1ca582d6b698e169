import { startedLater } from './started-later';

describe('startedLater', () => {
  it('refuses to be used before the object is there, then stands for it: methods bound to it, properties read and written on it', () => {
    const current: { counter?: { count: number; add(n: number): number } } = {};
    const counter = startedLater(() => current.counter, 'the counter is used before it is started');
    expect(() => counter.count).toThrow('the counter is used before it is started');

    current.counter = {
      count: 1,
      add(n) {
        return (this.count += n);
      },
    };
    const { add } = counter;
    expect(add(2)).toBe(3);
    counter.count = 10;
    expect(current.counter.count).toBe(10);
    expect('add' in counter).toBe(true);
  });
});
