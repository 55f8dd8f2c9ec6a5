// Reference tokenization by llama.cpp (node-llama-cpp), for bgl's tokenizer conformance tests.
// Usage: node tokenize.mjs STRINGS.json MODEL.gguf [MODEL.gguf ...]
//   -> stdout: [{"tokens": [[ids...], ...], "text": [detokenized...]}, ...] (one entry per model)
// Loads the vocabulary only; tokenizes each string with special tokens parsed and no BOS/EOS added
// (llama_tokenize with add_special=false, parse_special=true); detokenizes with special tokens shown.
import {getLlama} from "node-llama-cpp";
import {readFileSync} from "node:fs";

const [stringsPath, ...modelPaths] = process.argv.slice(2);
const strings = JSON.parse(readFileSync(stringsPath, "utf8"));
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const results = [];
for (const modelPath of modelPaths) {
    const model = await llama.loadModel({modelPath, vocabOnly: true});
    const tokens = strings.map(s => Array.from(model.tokenize(s, true)));
    const text = tokens.map(t => model.detokenize(t, true));
    results.push({tokens, text});
    await model.dispose();
}
process.stdout.write(JSON.stringify(results));
await llama.dispose();
