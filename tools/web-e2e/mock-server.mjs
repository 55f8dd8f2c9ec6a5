// A stand-in for `bgl serve` that follows API-CONTRACT.md, so the web page can be built and tested
// before (and independently of) the Java server. It serves the page from bgl-server/src/main/resources/web and
// fakes the model: the thinking is a short worked sum streamed token by token with delays.
// Mock-only extras, for tests: GET /mock/feedback and GET /mock/requests read back what was recorded;
// POST /mock/fail-next {"status":429,"type":"rate_limit_error","message":"..."} makes the next completion fail so.
//
//   node mock-server.mjs [--port 8089] [--api-key KEY]   (prints "listening http://127.0.0.1:PORT")

import http from "node:http";
import crypto from "node:crypto";
import { EventEmitter } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const WEB_DIR = path.resolve(here, "../../bgl-server/src/main/resources/web");
const MODES = ["guided", "hard", "s1", "qwen-stop", "prompt", "nothink", "none"];
const TAGS = ["too_slow", "too_long", "too_short", "wrong", "good"];
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".png": "image/png", ".svg": "image/svg+xml", ".ico": "image/x-icon" };
const MODEL = "bgl-reasoner";

/**
 * Starts the mock; resolves to { url, server, state, close() }. tokenDelayMs paces the stream.
 * state.events emits "ended:ID" when request ID's status leaves "running" (done or cancelled).
 */
export function startMockServer({ port = 0, apiKeys = [], tokenDelayMs = 40 } = {}) {
  const state = { requests: [], feedback: [], failNext: null, events: new EventEmitter() };
  const server = http.createServer((req, res) => {
    handle(req, res, state, { apiKeys, tokenDelayMs }).catch((e) => {
      if (!res.headersSent) sendError(res, 500, "server_error", "mock failed: " + e.message);
      else res.end();
    });
  });
  return new Promise((resolve) => {
    server.listen(port, "127.0.0.1", () => {
      const url = `http://127.0.0.1:${server.address().port}`;
      resolve({ url, server, state, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }) });
    });
  });
}

async function handle(req, res, state, opts) {
  const url = new URL(req.url, "http://x");
  const p = url.pathname;
  if (req.method === "GET" && !p.startsWith("/v1/") && !p.startsWith("/mock/") && p !== "/health" && p !== "/metrics") {
    return serveStatic(req, res, p);
  }
  if (p === "/health") return sendJson(res, 200, { status: "ok" });
  if (p.startsWith("/mock/")) {
    if (p === "/mock/feedback") return sendJson(res, 200, state.feedback);
    if (p === "/mock/requests") return sendJson(res, 200, state.requests);
    if (p === "/mock/fail-next" && req.method === "POST") {
      const body = await readJson(req, res); if (body === undefined) return;
      state.failNext = body;
      return sendJson(res, 200, { ok: true });
    }
    return sendError(res, 404, "not_found_error", "unknown route " + p);
  }
  if (opts.apiKeys.length) {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
    if (!m || !opts.apiKeys.includes(m[1])) return sendError(res, 401, "authentication_error", "missing or invalid API key");
  }
  const route = `${req.method} ${p}`;
  if (route === "GET /v1/models") {
    return sendJson(res, 200, { object: "list", data: [{ id: MODEL, object: "model", created: now(), owned_by: "bgl" }] });
  }
  if (route === "GET /v1/budget/suggestion") {
    const q = url.searchParams.get("question");
    if (q == null || !q.trim()) return sendError(res, 400, "invalid_request_error", "question is required", "question");
    return sendJson(res, 200, suggest(state, q));
  }
  if (route === "GET /v1/feedback/summary") return sendJson(res, 200, summary(state));
  if (route === "POST /v1/feedback") {
    const body = await readJson(req, res); if (body === undefined) return;
    const r = state.requests.find((x) => x.id === body.request_id);
    if (typeof body.request_id !== "string") return sendError(res, 400, "invalid_request_error", "request_id must be a string", "request_id");
    if (!r) return sendError(res, 404, "not_found_error", "unknown request_id " + body.request_id, "request_id");
    if (!Number.isInteger(body.rating) || body.rating < 1 || body.rating > 5) return sendError(res, 400, "invalid_request_error", "rating must be an integer 1..5", "rating");
    const tags = body.tags ?? [];
    if (!Array.isArray(tags) || tags.some((t) => !TAGS.includes(t))) return sendError(res, 400, "invalid_request_error", "tags must be among " + TAGS.join(", "), "tags");
    if (body.comment != null && typeof body.comment !== "string") return sendError(res, 400, "invalid_request_error", "comment must be a string", "comment");
    state.feedback.push({ request_id: body.request_id, rating: body.rating, tags, comment: body.comment ?? null,
      task_type: r.task_type, user: r.user, at: Date.now() });
    return sendJson(res, 200, { ok: true });
  }
  if (route === "POST /v1/chat/completions" || route === "POST /v1/completions") {
    const body = await readJson(req, res); if (body === undefined) return;
    if (state.failNext) {
      const f = state.failNext; state.failNext = null;
      return sendError(res, f.status ?? 500, f.type ?? "server_error", f.message ?? "mock failure", f.param ?? null, f.code ?? null);
    }
    return complete(req, res, state, opts, body, p === "/v1/completions");
  }
  return sendError(res, 404, "not_found_error", `unknown route ${req.method} ${p}`);
}

// ---------- completions ----------

/** The mock's budget policy: what GET /v1/budget/suggestion shows and what a request without a budget gets. */
function suggest(state, question) {
  const type = taskType(question);
  const rated = state.feedback.filter((f) => f.task_type === type);
  const budget = rated.length ? 48 : 64;
  const reason = rated.length
    ? `Your ${rated.length} rating(s) of ${type} questions favour shorter thinking at the same accuracy.`
    : `That is the default for ${type} questions until you rate some answers.`;
  return { budget_tokens: budget, mode: "guided", task_type: type, reason };
}

/** Validates the request per the contract; returns {error:[status,type,message,param]} or the parsed budget. */
function parseRequest(body, legacy) {
  const bad = (message, param, code = null) => ({ error: [400, "invalid_request_error", message, param, code] });
  if (body.model != null && body.model !== MODEL) return { error: [404, "not_found_error", `model ${body.model} not found`, "model", "model_not_found"] };
  let question;
  if (legacy) {
    if (typeof body.prompt !== "string" || !body.prompt) return bad("prompt must be a non-empty string", "prompt");
    question = body.prompt;
  } else {
    if (!Array.isArray(body.messages) || !body.messages.length) return bad("messages must be a non-empty array", "messages");
    for (const m of body.messages) {
      if (!m || !["system", "user", "assistant"].includes(m.role) || typeof m.content !== "string") return bad("each message needs a role (system|user|assistant) and string content", "messages");
    }
    question = [...body.messages].reverse().find((m) => m.role === "user")?.content ?? "";
  }
  if (body.stream != null && typeof body.stream !== "boolean") return bad("stream must be a boolean", "stream");
  let budgetTokens = null, budgetSeconds = null, spec = null;
  for (const name of ["thinking_budget", "thinking_budget_tokens", "thinking_token_budget"]) {
    if (body[name] == null) continue;
    if (!Number.isInteger(body[name]) || body[name] < 0 || body[name] > 1_000_000) return bad(`${name} must be an integer 0..1000000`, name);
    budgetTokens = body[name]; spec = budgetTokens + "tok";
  }
  if (body.thinking_budget_seconds != null) {
    const s = body.thinking_budget_seconds;
    if (typeof s !== "number" || !(s > 0) || s > 86400) return bad("thinking_budget_seconds must be a number of seconds above 0", "thinking_budget_seconds");
    budgetSeconds = s; spec = spec ? spec + "," + s + "s" : s + "s";
  }
  if (body.budget != null) {
    if (typeof body.budget !== "string") return bad("budget must be a string such as \"300tok\" or \"5s\"", "budget");
    for (const part of body.budget.split(",")) {
      const m = /^\s*(\d+(?:\.\d+)?)\s*(tok|s|MB|GFLOP)\s*$/.exec(part);
      if (!m) return bad(`unknown budget unit in "${part.trim()}"`, "budget");
      if (m[2] === "tok") budgetTokens = Math.round(Number(m[1]));
      if (m[2] === "s") budgetSeconds = Number(m[1]);
    }
    spec = body.budget;
  }
  if (body.reasoning_effort != null && spec == null) {
    const map = { low: 32, medium: 128, high: 512 };
    if (!(body.reasoning_effort in map)) return bad("reasoning_effort must be low, medium or high", "reasoning_effort");
    budgetTokens = map[body.reasoning_effort]; spec = budgetTokens + "tok";
  }
  if (body.budget_mode != null && !MODES.includes(body.budget_mode)) return bad("budget_mode must be one of " + MODES.join(", "), "budget_mode");
  const mode = body.budget_mode ?? (spec == null ? "none" : "guided");
  return { question, budgetTokens, budgetSeconds, spec, mode };
}

/** The fake model's thinking for a question: a worked sum for "Add: a+b+c..." or "a + b", else a generic plan. */
function fakeThinking(question) {
  const list = /^Add:\s*(-?\d+(?:\s*\+\s*-?\d+)+)\s*$/.exec(question.trim());
  if (list) {
    const xs = list[1].split("+").map((x) => Number(x.trim()));
    let sum = xs[0];
    const steps = xs.slice(1).map((x) => { const before = sum; sum += x; return `${before}+${x}=${sum}.`; });
    return { thinking: `Add the numbers one at a time. ${steps.join(" ")} Check: the numbers were ${xs.join(", ")}. So the total is ${sum}.`,
      answer: String(sum) };
  }
  const m = /(-?\d+)\s*\+\s*(-?\d+)/.exec(question);
  if (m) {
    const a = Number(m[1]), b = Number(m[2]);
    const tens = Math.floor(b / 10) * 10;
    const text = `The question asks for ${a} + ${b}. Split ${b} into ${tens} and ${b - tens}. ` +
      `${a} + ${tens} = ${a + tens}. Then ${a + tens} + ${b - tens} = ${a + b}. ` +
      `Check: ${a + b} - ${b} = ${a}, which matches. So the sum is ${a + b}.`;
    return { thinking: text, answer: `${a} + ${b} = ${a + b}.` };
  }
  return { thinking: "Let me think about what is being asked. The question is open, so a short direct answer fits best. " +
    "I will state the key point first and keep it brief.", answer: "(mock model) I can only do sums like 17 + 25 for real." };
}

/** Whole sentences from the start that fit, then the last sentence (the conclusion); at most budget tokens. */
function guidedChain(text, budget) {
  const sentences = text.match(/[^.]+\.\s*/g) ?? [text];
  const last = tokens(sentences.at(-1));
  if (last.length >= budget) return last.slice(last.length - budget);
  const kept = [];
  for (const s of sentences.slice(0, -1)) {
    const t = tokens(s);
    if (kept.length + t.length + last.length > budget) break;
    kept.push(...t);
  }
  return [...kept, ...last];
}

/** Splits text into "tokens" (a word with its following space), which is what the stream counts. */
function tokens(text) { return text.match(/\S+\s*/g) ?? []; }

async function complete(req, res, state, opts, body, legacy) {
  const parsed = parseRequest(body, legacy);
  if (parsed.error) return sendError(res, ...parsed.error);
  let { question, budgetTokens, budgetSeconds, spec, mode } = parsed;
  // no budget field and no budget_mode: the policy chooses (the contract's budget_source "policy")
  let source = "request", reason = null;
  if (spec == null && body.budget_mode == null) {
    const s = suggest(state, question);
    budgetTokens = s.budget_tokens; spec = s.budget_tokens + "tok"; mode = s.mode; source = "policy"; reason = s.reason;
  }
  const id = (legacy ? "cmpl-" : "chatcmpl-") + crypto.randomBytes(12).toString("hex");
  const created = now();
  const started = Date.now();
  const fake = fakeThinking(question);
  let think = mode === "nothink" || budgetTokens === 0 ? [] : tokens(fake.thinking);
  let intervened = false;
  if (budgetTokens != null && mode !== "none" && think.length > budgetTokens) {
    // guided steers to a shorter chain; the mock models that as keeping the start and the conclusion
    intervened = true;
    // guided steers to a shorter chain; the mock models that as skipping middle sentences and keeping the conclusion
    think = mode === "guided" ? guidedChain(fake.thinking, budgetTokens) : think.slice(0, budgetTokens);
  }
  const predicted = mode === "guided" || mode === "none" ? tokens(fake.thinking).length : null;
  const answer = tokens(fake.answer);
  const record = { id, user: userOf(req, body), question, mode, budget: spec, budget_tokens: budgetTokens,
    task_type: taskType(question), started, status: "running", thinking_tokens: 0, answer_tokens: 0, seconds: null };
  state.requests.push(record);

  const finalBgl = () => ({
    request_id: id, mode, budget: spec, budget_tokens: budgetTokens, budget_source: source, budget_reason: reason,
    thinking_tokens: record.thinking_tokens,
    answer_tokens: record.answer_tokens, seconds: record.seconds,
    within_budget: (budgetTokens == null || record.thinking_tokens <= budgetTokens) && (budgetSeconds == null || (record.thinking_seconds ?? record.seconds) <= budgetSeconds + 0.05),
    intervened, predicted_thinking_tokens: predicted, task_type: record.task_type,
  });
  const usage = () => ({ prompt_tokens: tokens(question).length + 8, completion_tokens: record.thinking_tokens + record.answer_tokens,
    total_tokens: tokens(question).length + 8 + record.thinking_tokens + record.answer_tokens,
    completion_tokens_details: { reasoning_tokens: record.thinking_tokens } });

  if (!body.stream) {
    await sleep(opts.tokenDelayMs * (think.length + answer.length) / 4);
    record.thinking_tokens = think.length; record.answer_tokens = answer.length;
    record.seconds = (Date.now() - started) / 1000; end(state, record, "done");
    const msg = { role: "assistant", content: answer.join(""), reasoning_content: think.join("") };
    const choice = legacy ? { index: 0, text: msg.content, reasoning_content: msg.reasoning_content, finish_reason: "stop" }
      : { index: 0, message: msg, finish_reason: "stop" };
    return sendJson(res, 200, { id, object: legacy ? "text_completion" : "chat.completion", created, model: MODEL,
      choices: [choice], usage: usage(), bgl: finalBgl() });
  }

  let cancelled = false;
  res.on("close", () => { if (!res.writableFinished) { cancelled = true; end(state, record, "cancelled"); } });
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
  const send = (obj) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
  const chunk = (delta, phase) => ({ id, object: "chat.completion.chunk", created, model: MODEL,
    choices: [{ index: 0, delta, finish_reason: null }],
    bgl: { phase, thinking_tokens: record.thinking_tokens, budget_tokens: budgetTokens,
      predicted_remaining: predicted == null || phase === "answer" ? null : Math.max(0, predicted - record.thinking_tokens) } });

  send(chunk({ role: "assistant" }, think.length ? "thinking" : "answer"));
  for (const t of think) {
    await sleep(opts.tokenDelayMs);
    if (cancelled) return;
    if (budgetSeconds != null && mode !== "none" && (Date.now() - started) / 1000 >= budgetSeconds) { intervened = true; break; }
    record.thinking_tokens++;
    send(chunk({ reasoning_content: t }, "thinking"));
  }
  record.thinking_seconds = (Date.now() - started) / 1000;
  for (const t of answer) {
    await sleep(opts.tokenDelayMs);
    if (cancelled) return;
    record.answer_tokens++;
    send(chunk({ content: t }, "answer"));
  }
  record.seconds = (Date.now() - started) / 1000; end(state, record, "done");
  send({ id, object: "chat.completion.chunk", created, model: MODEL, choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
    usage: usage(), bgl: finalBgl() });
  res.write("data: [DONE]\n\n");
  res.end();
}

// ---------- feedback summary ----------

function mean(xs) { return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null; }

function summary(state) {
  const done = state.requests.filter((r) => r.status === "done");
  const stats = (reqs, fbs) => ({ requests: reqs.length, ratings: fbs.length, mean_rating: mean(fbs.map((f) => f.rating)),
    mean_seconds: mean(done.filter((r) => reqs.includes(r)).map((r) => r.seconds)),
    mean_thinking_tokens: mean(done.filter((r) => reqs.includes(r)).map((r) => r.thinking_tokens)) });
  const hour = 3600_000;
  const buckets = new Map();
  for (const r of state.requests) {
    const start = Math.floor(r.started / hour) * hour;
    if (!buckets.has(start)) buckets.set(start, { reqs: [], fbs: [] });
    buckets.get(start).reqs.push(r);
  }
  for (const f of state.feedback) {
    const start = Math.floor(f.at / hour) * hour;
    if (!buckets.has(start)) buckets.set(start, { reqs: [], fbs: [] });
    buckets.get(start).fbs.push(f);
  }
  const over_time = [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([start, b]) => ({ start, ...stats(b.reqs, b.fbs) }));
  return { ...stats(state.requests, state.feedback), over_time };
}

// ---------- plumbing ----------

function userOf(req, body) {
  const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
  if (auth) return "key-" + crypto.createHash("sha256").update(auth[1]).digest("hex").slice(0, 8);
  if (typeof body.user === "string" && body.user) return body.user;
  const cookie = /(?:^|;\s*)bgl_user=([^;]+)/.exec(req.headers.cookie ?? "");
  return cookie ? cookie[1] : "anonymous";
}

function taskType(q) { return /\d+\s*[-+*/]\s*\d+/.test(q) ? "sum" : "open"; }

function serveStatic(req, res, p) {
  const name = p === "/" ? "index.html" : decodeURIComponent(p.slice(1));
  const file = path.resolve(WEB_DIR, name);
  if (!file.startsWith(WEB_DIR + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    return sendError(res, 404, "not_found_error", "unknown route GET " + p);
  }
  const headers = { "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream", "Cache-Control": "no-cache" };
  if (p === "/" && !/(?:^|;\s*)bgl_user=/.test(req.headers.cookie ?? "")) {
    headers["Set-Cookie"] = `bgl_user=u-${crypto.randomBytes(8).toString("hex")}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly`;
  }
  res.writeHead(200, headers);
  res.end(fs.readFileSync(file));
}

function readJson(req, res) {
  return new Promise((resolve) => {
    const parts = [];
    let size = 0;
    req.on("data", (d) => { size += d.length; if (size <= 1 << 20) parts.push(d); });
    req.on("end", () => {
      if (size > 1 << 20) { sendError(res, 413, "invalid_request_error", "request body too large"); return resolve(undefined); }
      try {
        const v = JSON.parse(Buffer.concat(parts).toString("utf8"));
        if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("the body must be a JSON object");
        resolve(v);
      } catch (e) { sendError(res, 400, "invalid_request_error", "bad JSON: " + e.message); resolve(undefined); }
    });
  });
}

function sendJson(res, status, obj) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(obj));
}

function sendError(res, status, type, message, param = null, code = null) {
  sendJson(res, status, { error: { message, type, param, code } });
}

function now() { return Math.floor(Date.now() / 1000); }
/** Sets a request's final status and tells whoever waits for it. */
function end(state, record, status) {
  record.status = status;
  state.events.emit("ended:" + record.id, record);
}

function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
  const keys = process.argv.flatMap((a, i) => (process.argv[i - 1] === "--api-key" ? [a] : []));
  const { url } = await startMockServer({ port: Number(arg("--port", 8089)), apiKeys: keys });
  console.log("listening " + url);
}
