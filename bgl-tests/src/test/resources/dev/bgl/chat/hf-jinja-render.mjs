// Renders many (template, context) cases with the reference renderer @huggingface/jinja.
// Usage (working directory tools/llamacpp, where node_modules is): node hf-jinja-render.mjs cases.json
// cases.json: [{"name": ..., "template": ..., "context": {...}}]; prints [{"name", "output"} | {"name", "error"}].
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const require = createRequire(path.join(process.cwd(), "package.json"));
const { Template } = require("@huggingface/jinja");

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results = cases.map(({ name, template, context }) => {
  try {
    return { name, output: new Template(template).render(context) };
  } catch (e) {
    return { name, error: String(e && e.message ? e.message : e) };
  }
});
process.stdout.write(JSON.stringify(results));
