import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { withConfigTable } from './config-table';

// `npm run docs:config`: rewrites the README's configuration table from the config schemas.
const readmePath = resolve(__dirname, '../../../README.md');
writeFileSync(readmePath, withConfigTable(readFileSync(readmePath, 'utf8')));
console.log(`updated the configuration table in ${readmePath}`);
