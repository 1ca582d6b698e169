// A model whose weights cannot be read, as when the model package is missing or damaged.
exports.loadModel = async () => {
  throw new Error("ENOENT: no such file or directory, open 'model.json'");
};
