// Reference tokenization by llama.cpp (node-llama-cpp), for bgl's tokenizer conformance tests.
// Usage: node tokenize.mjs MODEL.gguf STRINGS.json  ->  stdout: {"tokens": [[ids...], ...], "text": [detokenized...]}
// Loads the vocabulary only; tokenizes each string with special tokens parsed and no BOS/EOS added
// (llama_tokenize with add_special=false, parse_special=true).
import {getLlama} from "node-llama-cpp";
import {readFileSync} from "node:fs";

const [modelPath, stringsPath] = process.argv.slice(2);
const strings = JSON.parse(readFileSync(stringsPath, "utf8"));
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath, vocabOnly: true});
const tokens = strings.map(s => Array.from(model.tokenize(s, true)));
const text = tokens.map(t => model.detokenize(t, true));
process.stdout.write(JSON.stringify({tokens, text}));
await model.dispose();
await llama.dispose();
