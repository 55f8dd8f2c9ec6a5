// End-to-end browser test of bgl's web page: headless Debian chromium driven by playwright-core.
// Asks a question under a small guided budget, waits for the thinking to stream and the answer to
// appear, rates it 4 stars + "good" + a comment, waits for the confirmation, and checks the rating
// reached the server (GET /v1/feedback/summary counts it; with --mock also the mock's own record).
// Then asks again with "Let bgl choose" (no budget field) and reads the budget and reason the page shows.
// Fails on any console error or page error. Last stdout line: one JSON object with the result.
//
//   node e2e.mjs BASE_URL SCREENSHOT_PATH [--mock] [--api-key KEY] [--viewport 390x844] [--question Q] [--budget N]
//   BASE_URL: a running `bgl serve`, e.g. http://127.0.0.1:8080; with --mock it is ignored
//   (write "mock") and the contract mock in mock-server.mjs is started on a free port.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { startMockServer } from "./mock-server.mjs";

const CHROMIUM = process.env.BGL_CHROMIUM || "/usr/bin/chromium";
const COMMENT = "Right answer, short thinking.";

const args = process.argv.slice(2);
const option = (name, dflt) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : dflt);
// the default question is in the embedded model's curriculum style (it only understands those formats)
const QUESTION = option("--question", "Add: 17+8+12+5");
const BUDGET = option("--budget", "20");
const mock = args.includes("--mock");
const keyAt = args.indexOf("--api-key");
const apiKey = keyAt >= 0 ? args[keyAt + 1] : null;
const sizeAt = args.indexOf("--viewport");
const [width, height] = (sizeAt >= 0 ? args[sizeAt + 1] : "1000x1100").split("x").map(Number);
const positional = args.filter((a, i) => !a.startsWith("--") && !["--api-key", "--viewport", "--question", "--budget"].includes(args[i - 1]));
if (positional.length < 2) fail("usage: node e2e.mjs BASE_URL SCREENSHOT_PATH [--mock] [--api-key KEY]");
const screenshot = path.resolve(positional[1]);
if (!fs.existsSync(CHROMIUM)) fail(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) or set BGL_CHROMIUM`);

const server = mock ? await startMockServer({ apiKeys: apiKey ? [apiKey] : [] }) : null;
const base = (server ? server.url : positional[0]).replace(/\/$/, "");
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "bgl-e2e-chromium-"));
const problems = [];
let browser;

try {
  // A persistent context is Playwright's way to give chromium a fresh --user-data-dir of our own.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, timeout: 30_000, viewport: { width, height }, deviceScaleFactor: 1,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
  const page = browser.pages()[0] ?? await browser.newPage();
  page.setDefaultTimeout(45_000); // generous: CI machines can be loaded
  page.on("console", (m) => { if (m.type() === "error") problems.push("console error: " + m.text()); });
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("requestfailed", (r) => {
    // Aborted fetches (suggestion refresh, the stream after [DONE]) are the page's own doing, not failures.
    if (!/ERR_ABORTED/.test(r.failure()?.errorText ?? "")) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });

  const response = await page.goto(base + "/", { waitUntil: "load" });
  if (!response.ok()) throw new Error(`GET / answered ${response.status()}`);
  const ratingsBefore = await ratings(page);
  if (apiKey) {
    // Without the key the page's first calls get 401 (the browser logs each as a console error: expected
    // here); the page must say to enter the key, then work once it is typed.
    // (the suggestion of "Let bgl choose", the default, is asked for too: wait for its 401 as well)
    await page.waitForFunction(() => /API key/.test(document.querySelector("#history-body").textContent)
      && (document.querySelector("#suggestion").hidden || /API key/.test(document.querySelector("#suggestion").textContent)));
    problems.splice(0, problems.length, ...problems.filter((p) => !/status of 401/.test(p)));
    await page.locator("summary", { hasText: "API key" }).click();
    await page.getByLabel("API key", { exact: false }).first().fill(apiKey);
    await page.getByLabel("API key", { exact: false }).first().press("Enter");
    await page.locator("summary", { hasText: "API key" }).click(); // folded again, as a user would leave it
    await page.waitForFunction(() => /Requests/.test(document.querySelector("#history-body").textContent));
  }
  await page.getByLabel("Your question").fill(QUESTION);
  // "Let bgl choose" shows the server's suggested budget and why.
  await page.getByLabel("Let bgl choose").check();
  await page.waitForFunction(() => document.querySelector("#suggestion").textContent.startsWith("bgl suggests"));
  const suggestion = await page.locator("#suggestion").textContent();
  await page.getByLabel("Tokens", { exact: true }).check();
  await page.getByLabel("Tokens of thinking (number)").fill(BUDGET);
  await page.getByLabel("Mode", { exact: true }).selectOption("guided");
  if (await page.locator("#budget-tokens-range").inputValue() !== BUDGET) throw new Error("the slider did not follow the number box");
  // Thinking streams: text appears while the request is still running. Judged by a MutationObserver
  // on the very change that first fills the thinking (not by polling, which a slow machine can make
  // late enough to see the answer already), so only the page's own order of events decides it.
  await page.evaluate(() => {
    window.firstThinking = new Promise((resolve) => {
      const thinking = document.querySelector("#thinking");
      const seen = new MutationObserver(() => {
        if (thinking.textContent.length === 0) return;
        seen.disconnect();
        resolve({ busy: !document.querySelector("#stop").disabled, answerEmpty: document.querySelector("#answer").textContent === "" });
      });
      seen.observe(thinking, { childList: true, characterData: true, subtree: true });
    });
  });
  await page.getByRole("button", { name: "Ask" }).click();
  const firstThinking = await page.evaluate(() => window.firstThinking);
  // the screenshot at once: the embedded model thinks for a few dozen tokens only
  fs.mkdirSync(path.dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot.replace(/(\.png)?$/, "-thinking.png"), fullPage: true });
  await page.waitForFunction(() => document.querySelector("#answer").textContent.trim().length > 0);
  await page.waitForFunction(() => document.querySelector("#status").textContent === "Done.");
  const shown = await page.evaluate(() => ({
    thinking: document.querySelector("#thinking").textContent,
    answer: document.querySelector("#answer").textContent.trim(),
    summary: document.querySelector("#summary").textContent,
    gauge: document.querySelector("#gauge-text").textContent,
    error: document.querySelector("#error").hidden ? null : document.querySelector("#error").textContent,
  }));
  if (shown.error) throw new Error("the page shows an error: " + shown.error);

  // Rate: 4 stars (keyboard-reachable radio behind the star), tag "good", a comment.
  await page.getByLabel("4 stars").check();
  await page.getByLabel("good").check();
  await page.getByLabel("Comment").fill(COMMENT);
  await page.getByRole("button", { name: "Send rating" }).click();
  await page.waitForFunction(() => document.querySelector("#rating-status").classList.contains("ok"));
  const confirmation = await page.locator("#rating-status").textContent();
  const requestId = await page.evaluate(() => document.querySelector("#rating-form").dataset.requestId ?? null);
  await page.waitForFunction((n) => {
    const dd = [...document.querySelectorAll("#history-body dt")].find((d) => d.textContent === "Ratings");
    return dd && Number(dd.nextElementSibling.textContent) >= n;
  }, ratingsBefore + 1);
  await page.evaluate(() => document.querySelector("#thinking").scrollTop = 0);
  fs.mkdirSync(path.dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });

  const ratingsAfter = await ratings(page);
  const policy = await askWithPolicy(page);
  const extra = server ? await stopAndErrorChecks(page, server) : {};
  const recorded = server ? server.state.feedback.find((f) => f.request_id === requestId) ?? null : null;
  const result = {
    ok: problems.length === 0 && ratingsAfter === ratingsBefore + 1 && (!server || recorded !== null)
      && /^bgl chose \d+ tokens/.test(policy.note)
      && (!server || (extra.stopped_status === "cancelled" && /429/.test(extra.error_shown ?? ""))),
    base, mock, suggestion, request_id: requestId, answer: shown.answer, thinking_chars: shown.thinking.length,
    thinking_streamed_before_done: firstThinking.busy && firstThinking.answerEmpty, summary: shown.summary, gauge: shown.gauge,
    confirmation, policy_note: policy.note, policy_gauge: policy.gauge, ratings_before: ratingsBefore, ratings_after: ratingsAfter, recorded, ...extra, problems, screenshot,
  };
  console.log(JSON.stringify(result));
  process.exitCode = result.ok ? 0 : 1;
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: e.message.split("\n").slice(0, 12).join(" | "), problems }));
  process.exitCode = 1;
} finally {
  await browser?.close().catch(() => {});
  await server?.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

/**
 * "Let bgl choose": the request carries no budget field (checked on the wire), the server's policy picks the
 * budget, and after the answer the page says which budget it chose and why. Leaves "Tokens" selected again.
 */
async function askWithPolicy(page) {
  await page.getByLabel("Let bgl choose").check();
  await page.waitForFunction(() => document.querySelector("#suggestion").textContent.startsWith("bgl suggests"));
  const sent = page.waitForRequest((r) => r.url().endsWith("/v1/chat/completions") && r.method() === "POST");
  await page.getByRole("button", { name: "Ask" }).click();
  const body = JSON.parse((await sent).postData() ?? "{}");
  const budgetFields = Object.keys(body).filter((k) => /budget|reasoning_effort/.test(k));
  if (budgetFields.length) throw new Error("\"Let bgl choose\" sent budget fields: " + budgetFields.join(", "));
  await page.waitForFunction(() => document.querySelector("#status").textContent === "Done.");
  await page.screenshot({ path: screenshot.replace(/(\.png)?$/, "-policy.png"), fullPage: true });
  const got = await page.evaluate(() => ({
    note: document.querySelector("#budget-note").hidden ? "" : document.querySelector("#budget-note").textContent,
    gauge: document.querySelector("#gauge-text").textContent,
  }));
  await page.getByLabel("Tokens", { exact: true }).check();
  return got;
}

/**
 * Mock only (the real server cannot be told to fail): Stop aborts the stream and the server sees the
 * disconnect; an API error (429 here) is shown in the page's error box. The browser logs the 429 as a
 * console error of its own, which is expected here and only here.
 */
async function stopAndErrorChecks(page, mockServer) {
  await page.getByLabel("Your question").fill("What is 123 + 456?");
  await page.getByLabel("Tokens of thinking (number)").fill("512");
  await page.getByRole("button", { name: "Ask" }).click();
  await page.waitForFunction(() => document.querySelector("#thinking").textContent.length > 0);
  await page.getByRole("button", { name: "Stop" }).click();
  await page.waitForFunction(() => document.querySelector("#status").textContent === "Stopped.");
  // the mock tells when the stream ends (the disconnect reaches it after the page shows "Stopped.")
  const last = mockServer.state.requests.at(-1);
  if (last.status === "running") await new Promise((r) => mockServer.state.events.once("ended:" + last.id, r));
  const stoppedStatus = last.status;

  await fetch(mockServer.url + "/mock/fail-next", { method: "POST",
    body: JSON.stringify({ status: 429, type: "rate_limit_error", message: "queue full, try again later" }) });
  const before = problems.length;
  await page.getByRole("button", { name: "Ask" }).click();
  await page.waitForFunction(() => !document.querySelector("#error").hidden);
  const errorShown = await page.locator("#error").textContent();
  const expected = problems.splice(before).filter((p) => !/status of 429/.test(p));
  problems.push(...expected);
  return { stopped_status: stoppedStatus, error_shown: errorShown };
}

/** The ratings count the server reports, asked from the page so it is the same user (cookie or key). */
async function ratings(page) {
  const got = await page.evaluate(async (key) => {
    const r = await fetch("/v1/feedback/summary", { headers: key ? { Authorization: "Bearer " + key } : {} });
    return { status: r.status, body: r.ok ? await r.json() : null };
  }, apiKey);
  if (got.status !== 200) throw new Error(`GET /v1/feedback/summary answered ${got.status}`);
  return got.body.ratings;
}

function fail(message) {
  console.log(JSON.stringify({ ok: false, error: message }));
  process.exit(2);
}
