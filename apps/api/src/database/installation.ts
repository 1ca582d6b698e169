import { Client } from 'pg';

/** The database's installation id (migration 1764600000000), read once at start-up. */
export async function readInstallationId(databaseUrl: string): Promise<string> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>('SELECT id FROM installation');
    if (rows.length !== 1) throw new Error(`the installation table holds ${rows.length} rows; expected exactly one`);
    return rows[0].id;
  } catch (error) {
    if ((error as { code?: string }).code === '42P01')
      throw new Error('the database has no installation table: apply the migrations (MIGRATE_ON_START=true, or apps/api/src/migrate.main.ts)');
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
