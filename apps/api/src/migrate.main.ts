import { migrate } from './database/migrate';

/** `node -r @swc-node/register apps/api/src/migrate.main.ts`: applies migrations to DATABASE_URL. */
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set');
  process.exit(2);
}
migrate(url, (m) => console.log(m)).then(
  (names) => console.log(names.length ? `applied: ${names.join(', ')}` : 'up to date'),
  (error) => {
    console.error(`migration failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
