// Anthropic's official SDK against bgl's /v1/messages: node messages.mjs http://127.0.0.1:PORT QUESTION
// Prints one JSON object: each case's thinking, text, stop reason, usage and bgl object (or its error).
import Anthropic from '@anthropic-ai/sdk';

const [url, question] = process.argv.slice(2);
const client = new Anthropic({ baseURL: url, apiKey: 'unused', maxRetries: 0 });
const base = { model: 'bgl-reasoner', max_tokens: 200, messages: [{ role: 'user', content: question }] };
const thinking = { type: 'enabled', budget_tokens: 20 };

function summary(m) {
  return {
    thinking: m.content.filter(b => b.type === 'thinking').map(b => b.thinking).join(''),
    text: m.content.filter(b => b.type === 'text').map(b => b.text).join(''),
    blocks: m.content.map(b => b.type), stop_reason: m.stop_reason, usage: m.usage, bgl: m.bgl ?? null,
  };
}

async function streamed(params) {
  const s = client.messages.stream(params);
  const events = [];
  let thinkingDeltas = '', textDeltas = '';
  s.on('streamEvent', e => events.push(e.type));
  s.on('thinking', d => { thinkingDeltas += d; });
  s.on('text', d => { textDeltas += d; });
  const final = await s.finalMessage();
  return { ...summary(final), events, thinkingDeltas, textDeltas };
}

async function refused(params) {
  try {
    await client.messages.create(params);
    return { status: 200 };
  } catch (e) {
    return { status: e.status, error: e.error };
  }
}

const out = {};
out.thinking = summary(await client.messages.create({ ...base, thinking }));
out.disabled = summary(await client.messages.create({ ...base, thinking: { type: 'disabled' } }));
out.streamThinking = await streamed({ ...base, thinking });
out.streamDisabled = await streamed({ ...base, thinking: { type: 'disabled' } });
out.tools = await refused({ ...base, tools: [{ name: 'calc', description: 'adds', input_schema: { type: 'object', properties: {} } }] });
out.image = await refused({ ...base, messages: [{ role: 'user', content: [
  { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }, { type: 'text', text: question }] }] });
console.log(JSON.stringify(out));
