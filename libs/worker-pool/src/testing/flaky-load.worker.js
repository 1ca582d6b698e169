// A thread module whose loading fails in one thread: the first to delete the `fail-once` file
// beside it (tests copy it into a folder of their own). Loaded, it answers as sleepy.worker.js.
const { unlinkSync } = require('node:fs');
const { join } = require('node:path');
const { threadId } = require('node:worker_threads');

let claimed = false;
try {
  unlinkSync(join(__dirname, 'fail-once'));
  claimed = true;
} catch {
  // another thread took it, or there is none
}
if (claimed) throw new Error('out of memory while loading the parsers');

module.exports = async ({ ms, value }) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return { value, threadId };
};
