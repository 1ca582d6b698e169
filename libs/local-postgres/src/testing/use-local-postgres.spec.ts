import { useLocalPostgres, type CollectingClient } from './use-local-postgres';

// The tests run in order: the second sees what the hooks did after the first.
describe('useLocalPostgres', () => {
  const { server, pool, events, connect, openPool } = useLocalPostgres({ poolSize: 1 });
  let opened: CollectingClient;

  it('starts a server of its own with a pool on it, keeps its events and opens clients and pools on it', async () => {
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(events.find((event) => event.event === 'ready')).toMatchObject({ port: server.port });
    opened = await connect();
    expect((await opened.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    expect((await openPool({ max: 1 }).query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
  });

  it('ends the clients a test opened once it is over', async () => {
    await expect(opened.query('SELECT 1')).rejects.toThrow(/not queryable/);
  });
});
