// bgl web page: ask a question under a thinking budget, watch the thinking stream, rate the answer.
// Plain ES module, no framework and no build step; speaks only the API in docs/api.md.

const $ = (id) => document.getElementById(id);
const KEY_STORAGE = "bgl_api_key";

const ui = {
  form: $("ask-form"), question: $("question"), apiKey: $("api-key"), forgetKey: $("forget-key"),
  tokensRange: $("budget-tokens-range"), tokens: $("budget-tokens"), seconds: $("budget-seconds"),
  mode: $("budget-mode"), tokensControl: $("tokens-control"), secondsControl: $("seconds-control"),
  modeControl: $("mode-control"), suggestion: $("suggestion"),
  ask: $("ask"), stop: $("stop"), status: $("status"), error: $("error"),
  result: $("result"), thinkingPanel: $("thinking-panel"), thinking: $("thinking"), answer: $("answer"),
  summary: $("summary"), budgetNote: $("budget-note"), gaugeText: $("gauge-text"), gaugeSpent: $("gauge-spent"),
  gaugePredicted: $("gauge-predicted"), gaugeBudget: $("gauge-budget"),
  ratingForm: $("rating-form"), stars: $("stars"), comment: $("comment"), rate: $("rate"),
  ratingStatus: $("rating-status"), historyBody: $("history-body"),
};

/** What the page knows about the request in flight or the last one. */
let current = null;

// ---------- API ----------

/** An error the API answered, or a failure to reach it, in words a person can read. */
class ApiError extends Error {
  constructor(message, status = null) { super(message); this.status = status; }
}

function headers(json) {
  const h = {};
  if (json) h["Content-Type"] = "application/json";
  const key = ui.apiKey.value.trim();
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

/** Turns a non-200 response into an ApiError, reading the contract's {"error":{...}} body when there is one. */
async function errorOf(response) {
  let text = "";
  try { text = await response.text(); } catch { /* body unreadable: keep the status alone */ }
  let message = text.trim().slice(0, 300) || response.statusText || "no details";
  try {
    const e = JSON.parse(text).error;
    if (e && e.message) {
      message = e.message;
      const where = [e.type, e.param ? "field " + e.param : null, e.code].filter(Boolean).join(", ");
      if (where) message += " (" + where + ")";
    }
  } catch { /* not JSON: show the text */ }
  const hint = response.status === 401 ? " Enter a valid API key under \"API key\" at the top." : "";
  return new ApiError(`The server answered ${response.status}: ${message.replace(/\.$/, "")}.${hint}`, response.status);
}

async function api(path, { method = "GET", body, signal } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method, signal, headers: headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError("Cannot reach the bgl server (" + e.message + ").");
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

// ---------- budget control ----------

function budgetKind() {
  return document.querySelector('input[name="budget-kind"]:checked').value;
}

function showBudgetControls() {
  const kind = budgetKind();
  ui.tokensControl.hidden = kind !== "tokens";
  ui.secondsControl.hidden = kind !== "seconds";
  ui.modeControl.hidden = kind === "auto";
  ui.suggestion.hidden = kind !== "auto";
  if (kind === "auto") refreshSuggestion();
}

/**
 * The budget fields of the request. "Let bgl choose" sends none: the server's budget policy then picks the
 * budget for this user and question (the same one GET /v1/budget/suggestion shows beforehand), and the
 * final chunk's bgl object says which one it chose and why.
 */
function budgetFields() {
  const kind = budgetKind();
  if (kind === "tokens") return { thinking_budget: clampInt(ui.tokens.value, 0, 512), budget_mode: ui.mode.value };
  if (kind === "seconds") {
    const s = Number(ui.seconds.value);
    if (!(s > 0)) throw new ApiError("Enter a number of seconds above 0.");
    return { thinking_budget_seconds: s, budget_mode: ui.mode.value };
  }
  return {};
}

function clampInt(v, lo, hi) {
  const n = Math.round(Number(v));
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, n)) : lo;
}

let suggestionTimer = 0;
let suggestionAbort = null;

function refreshSuggestion() {
  clearTimeout(suggestionTimer);
  suggestionTimer = setTimeout(loadSuggestion, 350);
}

async function loadSuggestion() {
  if (budgetKind() !== "auto") return;
  const q = ui.question.value.trim();
  if (!q) { ui.suggestion.textContent = "Type a question to see the budget bgl would choose."; return; }
  suggestionAbort?.abort();
  suggestionAbort = new AbortController();
  try {
    ui.suggestion.textContent = suggestionSentence(await fetchSuggestion(q, suggestionAbort.signal));
  } catch (e) {
    if (e.name !== "AbortError") ui.suggestion.textContent = e.status === 401
      ? "Enter your API key above to see the budget bgl would choose." : "No suggestion: " + e.message;
  }
}

async function fetchSuggestion(question, signal) {
  const r = await api("/v1/budget/suggestion?question=" + encodeURIComponent(question), { signal });
  return r.json();
}

/** "bgl suggests 64 tokens (guided) because your ratings ..." from the suggestion object. */
function suggestionSentence(s) {
  let reason = String(s.reason ?? "").trim().replace(/^because\s+/i, "");
  if (/^[A-Z][a-z]/.test(reason)) reason = reason[0].toLowerCase() + reason.slice(1);
  const mode = s.mode ? ` (${s.mode})` : "";
  const task = s.task_type ? ` for a ${s.task_type} question` : "";
  return `bgl suggests ${s.budget_tokens} tokens${mode}${task}` + (reason ? ` because ${reason}` : ".");
}

// ---------- asking and streaming ----------

function setBusy(busy) {
  ui.ask.disabled = busy;
  ui.stop.disabled = !busy;
  ui.form.setAttribute("aria-busy", String(busy));
}

function showError(message) {
  ui.error.textContent = message;
  ui.error.hidden = !message;
}

async function ask(event) {
  event.preventDefault();
  if (current?.controller) return;
  const question = ui.question.value.trim();
  if (!question) { showError("Type a question first."); ui.question.focus(); return; }
  let fields;
  try { fields = budgetFields(); } catch (e) {
    showError("No budget to ask with: " + e.message);
    return;
  }

  showError("");
  const request = { model: "bgl-reasoner", messages: [{ role: "user", content: question }], stream: true, ...fields };
  current = {
    controller: new AbortController(), requestId: null, started: performance.now(),
    thinkingTokens: 0, budgetTokens: fields.thinking_budget ?? null, budgetSeconds: fields.thinking_budget_seconds ?? null,
    predictedRemaining: null, phase: "thinking", final: null, rated: false, thinkingChars: 0, auto: budgetKind() === "auto",
  };
  resetResult();
  setBusy(true);
  setStatus("Waiting for the model…");
  const tick = setInterval(drawGauge, 250);
  try {
    const response = await api("/v1/chat/completions", { method: "POST", body: request, signal: current.controller.signal });
    await readEvents(response, onChunk);
    if (!current.final) throw new ApiError("The stream ended before the final chunk.");
    finish();
  } catch (e) {
    if (e.name === "AbortError") {
      setStatus("Stopped.");
      ui.summary.textContent = "Stopped by you after " + secondsSince(current.started).toFixed(1) + " s; the server cancels the generation.";
    } else {
      setStatus("");
      showError(e.message);
    }
  } finally {
    clearInterval(tick);
    drawGauge();
    current.controller = null;
    setBusy(false);
  }
}

/** Reads a text/event-stream body and calls onData with each event's parsed JSON until [DONE] or the end. */
async function readEvents(response, onData) {
  const type = response.headers.get("Content-Type") || "";
  if (!type.includes("text/event-stream")) {
    // A server may answer a stream request with a plain JSON body (an error, or a non-stream reply).
    const body = await response.json().catch(() => null);
    if (body?.error) throw new ApiError("The server answered: " + body.error.message);
    if (body?.choices) { onData(asFinalChunk(body)); return; }
    throw new ApiError("The server did not answer with an event stream (Content-Type " + (type || "none") + ").");
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value ?? new Uint8Array(), { stream: !done });
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const event = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
      const data = event.split(/\r?\n/).filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).replace(/^ /, "")).join("\n");
      if (!data) continue; // a comment or keep-alive
      if (data.trim() === "[DONE]") { reader.cancel().catch(() => {}); return; }
      let chunk;
      try { chunk = JSON.parse(data); } catch { throw new ApiError("The server sent an event that is not JSON: " + data.slice(0, 120)); }
      if (chunk.error) throw new ApiError("The server stopped with an error: " + (chunk.error.message || JSON.stringify(chunk.error)));
      onData(chunk);
    }
    if (done) return;
  }
}

/** A non-stream chat.completion shaped as the stream's content plus final chunk. */
function asFinalChunk(body) {
  const m = body.choices[0]?.message ?? {};
  return { ...body, choices: [{ index: 0, delta: { reasoning_content: m.reasoning_content ?? "", content: m.content ?? "" },
    finish_reason: body.choices[0]?.finish_reason ?? "stop" }] };
}

function onChunk(chunk) {
  if (!current.requestId && chunk.id) current.requestId = chunk.id;
  const choice = chunk.choices?.[0] ?? {};
  const delta = choice.delta ?? {};
  if (delta.reasoning_content) {
    // the model opens its thinking with a line break: blank lines at the top of the panel say nothing
    const text = current.thinkingChars === 0 ? delta.reasoning_content.replace(/^\s+/, "") : delta.reasoning_content;
    appendText(ui.thinking, text);
    current.thinkingChars += text.length;
    if (current.phase === "thinking") setStatus("Thinking…");
  }
  if (delta.content) {
    if (current.phase !== "answer") enterAnswer();
    appendText(ui.answer, delta.content);
  }
  const b = chunk.bgl;
  if (b) {
    if (typeof b.thinking_tokens === "number") current.thinkingTokens = b.thinking_tokens;
    if ("budget_tokens" in b) current.budgetTokens = b.budget_tokens;
    if ("predicted_remaining" in b) current.predictedRemaining = b.predicted_remaining;
    if (b.phase === "answer" && current.phase !== "answer") enterAnswer();
    if (b.request_id) current.requestId = b.request_id;
  }
  if (choice.finish_reason) {
    current.final = { finishReason: choice.finish_reason, usage: chunk.usage ?? null, bgl: b ?? null };
  }
  drawGauge();
}

function enterAnswer() {
  current.phase = "answer";
  current.thinkingSeconds = secondsSince(current.started);
  current.predictedRemaining = 0;
  setStatus("Answering…");
}

/** Appends streamed text and keeps the box scrolled to the end while the reader is at the end. */
function appendText(el, text) {
  const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
  el.append(text);
  if (atEnd) el.scrollTop = el.scrollHeight;
}

function finish() {
  const f = current.final;
  const b = f.bgl ?? {};
  if (typeof b.thinking_tokens === "number") current.thinkingTokens = b.thinking_tokens;
  else if (f.usage?.completion_tokens_details?.reasoning_tokens != null) current.thinkingTokens = f.usage.completion_tokens_details.reasoning_tokens;
  current.predictedRemaining = 0;
  const seconds = typeof b.seconds === "number" ? b.seconds : secondsSince(current.started);
  const parts = [
    `${current.thinkingTokens} thinking tokens`,
    `${seconds.toFixed(2)} s`,
    b.within_budget === true ? "within budget" : b.within_budget === false ? "over budget" : null,
    b.mode ? `mode ${b.mode}` : null,
    b.budget ? `budget ${b.budget}` : null,
    b.intervened ? "bgl intervened" : null,
    f.finishReason === "length" ? "cut at max tokens" : null,
  ].filter(Boolean);
  ui.summary.textContent = parts.join(" · ");
  ui.summary.classList.toggle("over", b.within_budget === false);
  if (b.budget_source === "policy") {
    ui.budgetNote.textContent = suggestionSentence({ budget_tokens: b.budget_tokens, mode: b.mode, task_type: b.task_type,
      reason: b.budget_reason }).replace(/^bgl suggests/, "bgl chose");
    ui.budgetNote.hidden = false;
  }
  if (!ui.answer.textContent.trim()) ui.answer.textContent = "(no answer)";
  setStatus("Done.");
  if (current.requestId) showRating();
  loadHistory();
}

function secondsSince(t0) { return (performance.now() - t0) / 1000; }

function setStatus(text) { ui.status.textContent = text; }

function resetResult() {
  ui.result.hidden = false;
  ui.thinkingPanel.open = true;
  ui.thinking.textContent = "";
  ui.answer.textContent = "";
  ui.summary.textContent = "";
  ui.summary.classList.remove("over");
  ui.budgetNote.textContent = "";
  ui.budgetNote.hidden = true;
  ui.ratingForm.hidden = true;
  drawGauge();
}

/** Spent thinking vs the budget, with the predictor's expected remaining length after the spent part. */
function drawGauge() {
  if (!current) return;
  const spent = current.thinkingTokens;
  const predicted = current.phase === "thinking" && current.predictedRemaining > 0 ? current.predictedRemaining : 0;
  let text;
  if (current.budgetTokens != null) {
    const budget = current.budgetTokens;
    const scale = Math.max(budget, spent + predicted, 1);
    setBar(spent / scale, predicted / scale, budget / scale, spent > budget);
    text = `${spent} / ${budget} tokens`;
  } else if (current.budgetSeconds != null) {
    // thinking time: frozen when the answer starts (the budget limits the thinking, not the answer)
    const elapsed = current.thinkingSeconds ?? secondsSince(current.started);
    const scale = Math.max(current.budgetSeconds, elapsed);
    const over = current.final?.bgl ? current.final.bgl.within_budget === false : elapsed > current.budgetSeconds;
    setBar(elapsed / scale, 0, current.budgetSeconds / scale, over);
    text = `${spent} tokens · ${elapsed.toFixed(1)} / ${current.budgetSeconds} s`;
  } else {
    const scale = Math.max(spent + predicted, 1);
    setBar(spent / scale, predicted / scale, null, false);
    text = current.auto ? `${spent} tokens · bgl chooses the budget` : `${spent} tokens · no token budget`;
  }
  if (predicted > 0) text += ` · expects ~${Math.round(predicted)} more`;
  ui.gaugeText.textContent = text;
}

function setBar(spent, predicted, budget, over) {
  const pct = (x) => (Math.max(0, Math.min(1, x)) * 100).toFixed(2) + "%";
  ui.gaugeSpent.style.width = pct(spent);
  ui.gaugeSpent.classList.toggle("over", over);
  ui.gaugePredicted.style.left = pct(spent);
  ui.gaugePredicted.style.width = pct(predicted);
  ui.gaugeBudget.hidden = budget == null;
  if (budget != null) ui.gaugeBudget.style.left = `clamp(0px, calc(${pct(budget)} - 1px), calc(100% - 2px))`;
}

function stop() {
  current?.controller?.abort();
}

// ---------- rating ----------

function showRating() {
  ui.ratingForm.reset();
  ui.ratingForm.dataset.requestId = current.requestId;
  paintStars(0);
  ui.ratingForm.hidden = false;
  ui.rate.disabled = false;
  ui.ratingForm.querySelectorAll("input, textarea").forEach((el) => (el.disabled = false));
  ui.ratingStatus.textContent = "";
  ui.ratingStatus.classList.remove("ok", "bad");
}

function paintStars(n) {
  ui.stars.querySelectorAll("label").forEach((label, i) => label.classList.toggle("on", i < n));
}

function chosenRating() {
  const r = ui.stars.querySelector('input[name="rating"]:checked');
  return r ? Number(r.value) : 0;
}

async function sendRating(event) {
  event.preventDefault();
  if (!current?.requestId || current.rated) return;
  const rating = chosenRating();
  if (!rating) { ratingMessage("Choose 1 to 5 stars first.", false); ui.stars.querySelector("input").focus(); return; }
  const tags = [...ui.ratingForm.querySelectorAll('input[name="tag"]:checked')].map((c) => c.value);
  const body = { request_id: current.requestId, rating, tags };
  const comment = ui.comment.value.trim();
  if (comment) body.comment = comment;
  ui.rate.disabled = true;
  try {
    await api("/v1/feedback", { method: "POST", body });
    current.rated = true;
    ui.ratingForm.querySelectorAll("input, textarea").forEach((el) => (el.disabled = true));
    ratingMessage(`Thank you: ${rating}★${tags.length ? " (" + tags.map((t) => t.replace("_", " ")).join(", ") + ")" : ""} saved. bgl learns its budgets from ratings.`, true);
    loadHistory();
    if (budgetKind() === "auto") refreshSuggestion();
  } catch (e) {
    ui.rate.disabled = false;
    ratingMessage(e.message, false);
  }
}

function ratingMessage(text, ok) {
  ui.ratingStatus.textContent = text;
  ui.ratingStatus.classList.toggle("ok", ok);
  ui.ratingStatus.classList.toggle("bad", !ok);
}

// ---------- history ----------

async function loadHistory() {
  try {
    const s = await (await api("/v1/feedback/summary")).json();
    renderHistory(s);
  } catch (e) {
    ui.historyBody.replaceChildren(el("p", "hint", e.status === 401
      ? "Enter your API key above to see your history."
      : "No history: " + e.message));
  }
}

function fmt(x, digits = 1, unit = "") {
  return x == null || !Number.isFinite(Number(x)) ? "–" : Number(x).toFixed(digits) + unit;
}

function renderHistory(s) {
  const stats = el("dl", "stats");
  for (const [name, value] of [
    ["Requests", s.requests ?? 0], ["Ratings", s.ratings ?? 0], ["Mean rating", fmt(s.mean_rating, 2, "★")],
    ["Mean time", fmt(s.mean_seconds, 2, " s")], ["Mean thinking", fmt(s.mean_thinking_tokens, 0, " tok")],
  ]) {
    const d = el("div");
    d.append(el("dt", null, name), el("dd", null, String(value)));
    stats.append(d);
  }
  const nodes = [stats];
  const rows = (s.over_time ?? []).slice(-8);
  if (rows.length) {
    const table = el("table", "over-time");
    const cap = el("caption", null, "Over time (latest periods)");
    const head = el("tr");
    for (const h of ["From", "Requests", "Ratings", "Mean rating", "Mean s", "Mean thinking"]) head.append(el("th", null, h));
    table.append(cap, el("thead"), el("tbody"));
    table.tHead.append(head);
    for (const row of rows.reverse()) {
      const tr = el("tr");
      const when = new Date(row.start);
      const cells = [isNaN(when) ? "–" : when.toLocaleString([], { dateStyle: "short", timeStyle: "short" }),
        row.requests ?? 0, row.ratings ?? 0, fmt(row.mean_rating, 2), fmt(row.mean_seconds, 2), fmt(row.mean_thinking_tokens, 0)];
      cells.forEach((c, i) => tr.append(el(i === 0 ? "th" : "td", null, String(c))));
      tr.firstChild.scope = "row";
      table.tBodies[0].append(tr);
    }
    const wrap = el("div", "table-wrap");
    wrap.append(table);
    nodes.push(wrap);
  }
  ui.historyBody.replaceChildren(...nodes);
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

// ---------- wiring ----------

function init() {
  ui.apiKey.value = localStorage.getItem(KEY_STORAGE) ?? "";
  ui.apiKey.addEventListener("change", () => {
    const k = ui.apiKey.value.trim();
    if (k) localStorage.setItem(KEY_STORAGE, k); else localStorage.removeItem(KEY_STORAGE);
    loadHistory();
    if (budgetKind() === "auto") refreshSuggestion();
  });
  $("key-form").addEventListener("submit", (e) => { e.preventDefault(); ui.apiKey.dispatchEvent(new Event("change")); });
  ui.forgetKey.addEventListener("click", () => {
    ui.apiKey.value = "";
    localStorage.removeItem(KEY_STORAGE);
    loadHistory();
  });
  ui.tokensRange.addEventListener("input", () => (ui.tokens.value = ui.tokensRange.value));
  ui.tokens.addEventListener("input", () => (ui.tokensRange.value = String(clampInt(ui.tokens.value, 0, 512))));
  ui.tokens.addEventListener("change", () => (ui.tokens.value = String(clampInt(ui.tokens.value, 0, 512))));
  document.querySelectorAll('input[name="budget-kind"]').forEach((r) => r.addEventListener("change", showBudgetControls));
  ui.question.addEventListener("input", () => { if (budgetKind() === "auto") refreshSuggestion(); });
  ui.question.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) ui.form.requestSubmit();
  });
  ui.form.addEventListener("submit", ask);
  ui.stop.addEventListener("click", stop);
  ui.stars.addEventListener("change", () => paintStars(chosenRating()));
  ui.ratingForm.addEventListener("submit", sendRating);
  showBudgetControls();
  loadHistory();
  showServerLoad();
  setInterval(showServerLoad, 5000);
}

/** The footer: how busy the server's batch is, from /health (no key needed). */
async function showServerLoad() {
  const out = document.getElementById("server-load");
  try {
    const r = await fetch("/health");
    const b = (await r.json()).batch;
    if (!b) return;
    const first = b.mean_time_to_first_token_s == null ? "–" : `${b.mean_time_to_first_token_s.toFixed(2)} s`;
    out.textContent = `Server: ${b.running} of ${b.slots} running, ${b.waiting} waiting · batch ${b.batch_size} · `
      + `${b.tokens_per_second.toFixed(1)} tok/s (${b.tokens_per_second_per_sequence.toFixed(1)} per sequence) · first token ${first}`;
  } catch {
    out.textContent = "Server: unreachable";
  }
}

init();
