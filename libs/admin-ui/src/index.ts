import { join } from 'node:path';

/** Folder of the admin UI's static files (HTML, CSS, JS; no build step), served by the api at /admin. */
export function adminUiDir(): string {
  return join(__dirname, 'static');
}
