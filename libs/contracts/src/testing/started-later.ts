/**
 * Stands for an object a describe block's beforeAll starts, as it is when used: methods are bound
 * to it, properties read and written on it. So a `use…` helper can hand its objects out when the
 * block is declared (`const { pool } = useLocalPostgres()`) and tests use them as they are.
 * `read` gives the object or undefined before it is started; `notYet` says why it is missing.
 * It is not the object itself: `jest.spyOn(it, 'method')` replaces the method but hands back a
 * bound copy that records nothing, so spy on an object the test holds itself.
 */
export function startedLater<T extends object>(read: () => T | undefined, notYet: string): T {
  const target = (): T => {
    const value = read();
    if (!value) throw new Error(notYet);
    return value;
  };
  return new Proxy({} as T, {
    get: (_, property) => {
      const real = target();
      const value = Reflect.get(real, property, real);
      return typeof value === 'function' ? value.bind(real) : value;
    },
    set: (_, property, value) => Reflect.set(target(), property, value),
    has: (_, property) => Reflect.has(target(), property),
  });
}
