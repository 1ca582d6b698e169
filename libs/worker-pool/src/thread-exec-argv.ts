/**
 * A thread loads its module from TypeScript source when the service runs from sources: with
 * this process's loader (`node -r @swc-node/register`), or, under Jest, which compiles in memory
 * and gives threads nothing, with the same loader added. A build's .js needs nothing.
 */
export function threadExecArgv(file: string): string[] | undefined {
  if (!file.endsWith('.ts')) return undefined;
  if (process.execArgv.some((arg) => /swc-node|ts-node|tsx/.test(arg))) return undefined;
  // By name, resolved from the working directory as `npm start` does; a build never gets here.
  return [...process.execArgv, '-r', '@swc-node/register'];
}
