// llama.cpp (through node-llama-cpp) as the reference for bgl's conformance tests and benchmarks.
// Reads one JSON request on stdin, writes one JSON answer on stdout.
//   {"op":"probs","model":PATH,"tokens":[..],"topK":64,"greedy":32,"threads":1}
//     -> {"probs":[[[id,p],...] per position], "greedy":[ids]}
//     with "lastOnly":true, probabilities of the last position only (long prompts)
//   {"op":"tokenize","model":PATH,"texts":[..],"special":true} -> {"tokens":[[ids],...]}
//   {"op":"bench","model":PATH,"promptTokens":128,"genTokens":64,"threads":2}
//     -> {"prefillTokPerSec":x,"decodeTokPerSec":y}
//   "kvType":"f16"|"f32"|"q8_0"|"q4_0" (probs and bench): the KV cache's type for K and V, as
//   llama.cpp's --cache-type-k/-v; a quantised V cache needs flash attention in llama.cpp, so
//   probs turns it on for those types
import {getLlama} from "node-llama-cpp";

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const req = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
// llama.cpp's --cache-type-k/-v: the same type for both
const kvType = (req.kvType ?? "f16").toUpperCase();
const kvOptions = {experimentalKvCacheKeyType: kvType, experimentalKvCacheValueType: kvType};
const quantKv = kvType !== "F16" && kvType !== "F32";
const model = await llama.loadModel({modelPath: req.model, gpuLayers: 0, vocabOnly: req.op === "tokenize"});

function top(map, k) {
    const out = [];
    for (const [id, p] of map) {
        out.push([id, p]);
        if (out.length >= k) break;
    }
    return out;
}

let result;
if (req.op === "tokenize") {
    result = {tokens: req.texts.map(t => Array.from(model.tokenize(t, req.special ?? true)))};
} else if (req.op === "probs") {
    const n = req.tokens.length + (req.greedy ?? 0) + 8;
    const context = await model.createContext({contextSize: Math.max(64, n), batchSize: 512, threads: req.threads ?? 1,
        flashAttention: quantKv, sequences: 1, ...kvOptions});
    const seq = context.getSequence();
    const last = req.tokens.length - 1;
    const input = req.tokens.map((t, i) => req.lastOnly && i < last ? [t, {}] : [t, {generateNext: {probabilities: true}}]);
    let res;
    if (req.sequential) {
        res = [];
        for (const item of input) res.push(...await seq.controlledEvaluate([item]));
    } else {
        res = await seq.controlledEvaluate(input);
    }
    const probs = res.filter(r => r?.next?.probabilities).map(r => top(r.next.probabilities, req.topK ?? 64));
    let greedy = [];
    if (req.greedy) {
        // greedy continuation from the last position: argmax each step
        let next = probs[probs.length - 1][0][0];
        for (let i = 0; i < req.greedy; i++) {
            greedy.push(next);
            const r = await seq.controlledEvaluate([[next, {generateNext: {probabilities: true}}]]);
            next = r[0].next.probabilities.entries().next().value[0];
        }
    }
    result = {probs, greedy};
    await context.dispose();
} else if (req.op === "bench") {
    const threads = req.threads ?? 1;
    const ctxSize = req.promptTokens + req.genTokens + 16;
    // flash attention as llama-server runs it by default (-fa auto); the caller may turn it off
    const context = await model.createContext({contextSize: ctxSize, batchSize: Math.max(512, req.promptTokens), threads,
        flashAttention: req.flashAttention ?? true, sequences: 1, ...kvOptions});
    const seq = context.getSequence();
    // ids in [base, base + span) of the model's vocabulary: a small vocabulary (the default model has 281) must not be left
    const vocab = Math.min(1100, req.vocab ?? 1100), base = Math.min(100, Math.floor(vocab / 4)), span = vocab - base;
    const prompt = Array.from({length: req.promptTokens}, (_, i) => base + (i * 7919) % span);
    // warm-up
    await seq.evaluateWithoutGeneratingNewTokens(prompt.slice(0, 8));
    await seq.clearHistory();
    let t0 = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(prompt);
    const prefillMs = performance.now() - t0;
    let tok = base;
    t0 = performance.now();
    for (let i = 0; i < req.genTokens; i++) {
        await seq.evaluateWithoutGeneratingNewTokens([tok]);
        tok = base + (tok * 31) % span;
    }
    const decodeMs = performance.now() - t0;
    result = {prefillTokPerSec: req.promptTokens / (prefillMs / 1000), decodeTokPerSec: req.genTokens / (decodeMs / 1000)};
    await context.dispose();
}
await model.dispose();
process.stdout.write(JSON.stringify(result));
process.exit(0);
