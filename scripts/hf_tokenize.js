// Token ids of Hugging Face tokenizers semantics (npm @lenml/tokenizers 3.7.2, a fork of transformers.js's
// tokenizers) for a model folder's tokenizer.json + tokenizer_config.json, with special tokens added as the
// tokenizer adds them. Usage (after `npm install --prefix build-cache/npm @lenml/tokenizers@3.7.2`):
//   NODE_PATH=build-cache/npm/node_modules node scripts/hf_tokenize.js MODEL_DIR TEXTS.json > OUT.json
const fs = require("fs");
const { TokenizerLoader } = require("@lenml/tokenizers");
const [dir, textsFile] = process.argv.slice(2);
const tok = TokenizerLoader.fromPreTrained({
  tokenizerJSON: JSON.parse(fs.readFileSync(dir + "/tokenizer.json", "utf8")),
  tokenizerConfig: JSON.parse(fs.readFileSync(dir + "/tokenizer_config.json", "utf8")),
});
const texts = JSON.parse(fs.readFileSync(textsFile, "utf8"));
const command = "NODE_PATH=build-cache/npm/node_modules node scripts/hf_tokenize.js " + process.argv.slice(2).join(" ");
console.log(JSON.stringify({ command, cases: texts.map(text => ({ text, ids: tok.encode(text) })) }, null, 1));
