// A stand-in model for pool tests: it can be told to crash its thread or throw, which the real
// model cannot. Its vector encodes the text's number and the thread that embedded it:
// [n, threadId, 1, 0] before unit scaling, so n = v[0] / v[2] and threadId = v[1] / v[2].
const { threadId } = require('node:worker_threads');

exports.loadModel = async () => ({
  async embed(texts) {
    await new Promise((resolve) => setTimeout(resolve, 15));
    if (texts.includes('__exit__')) process.exit(3);
    if (texts.includes('__throw__')) throw new Error('tensor shape mismatch');
    return texts.map((text) => [Number(text.replace(/\D/g, '')) || 0, threadId, 1, 0]);
  },
});
