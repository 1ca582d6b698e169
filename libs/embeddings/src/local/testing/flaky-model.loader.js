// A stand-in model whose load fails on purpose, steered by the files in this module's own folder
// (tests copy it into a folder of their own): each `fail-once-*` file fails one load (the thread
// that deletes it), and while `broken` exists every load fails, as with a missing model file.
// Loaded, it answers as fake-model.loader.js does: [n, threadId, 1, 0] for the text `t<n>`.
const { readdirSync, unlinkSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { threadId } = require('node:worker_threads');

exports.loadModel = async () => {
  for (const name of readdirSync(__dirname).filter((n) => n.startsWith('fail-once'))) {
    try {
      unlinkSync(join(__dirname, name));
    } catch {
      continue; // another thread took this one
    }
    throw new Error(`out of memory while loading the weights (${name})`);
  }
  if (existsSync(join(__dirname, 'broken'))) throw new Error("ENOENT: no such file or directory, open 'model.json'");
  return { embed: async (texts) => texts.map((text) => [Number(text.replace(/\D/g, '')) || 0, threadId, 1, 0]) };
};
