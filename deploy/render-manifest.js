#!/usr/bin/env node
// Fills the ${NAME} placeholders of a Cloud Run manifest from the environment and prints it.
// Used by deploy/cloudbuild.yaml before `gcloud run services replace`, and by deploy/checks.
// Unlike envsubst, a placeholder with no value is an error, not an empty string, so a manifest
// never reaches Cloud Run with a blank image tag or service account.
//
//   PROJECT_ID=... REGION=... node deploy/render-manifest.js deploy/cloudrun/api.service.yaml > api.yaml
'use strict';
const fs = require('node:fs');

const PLACEHOLDER = /\$\{([A-Z][A-Z0-9_]*)\}/g;

class MissingPlaceholderError extends Error {
  constructor(names, source) {
    super(`no value for ${names.map((n) => '${' + n + '}').join(', ')} in ${source}: set ${names.join(', ')} in the environment`);
    this.name = 'MissingPlaceholderError';
    this.names = names;
  }
}

/** The placeholder names a manifest uses, sorted. */
function placeholdersOf(text) {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))].sort();
}

/** The manifest with every placeholder replaced; throws MissingPlaceholderError naming all the missing ones. */
function renderManifest(text, values, source = 'the manifest') {
  const missing = placeholdersOf(text).filter((name) => values[name] === undefined || values[name] === '');
  if (missing.length) throw new MissingPlaceholderError(missing, source);
  return text.replace(PLACEHOLDER, (_, name) => values[name]);
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node deploy/render-manifest.js <manifest.yaml>');
    process.exit(2);
  }
  try {
    process.stdout.write(renderManifest(fs.readFileSync(file, 'utf8'), process.env, file));
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
}

module.exports = { renderManifest, placeholdersOf, MissingPlaceholderError };
