// A thread for pool tests: waits `ms`, then answers with its input and its thread id.
const { threadId } = require('node:worker_threads');

module.exports = async ({ ms, value }) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return { value, threadId };
};
