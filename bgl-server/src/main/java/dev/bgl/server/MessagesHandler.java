package dev.bgl.server;

import dev.bgl.api.PhaseSplitter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * POST /v1/messages, Anthropic's Messages API, for clients built on Anthropic's SDKs (llama.cpp's
 * server answers it too): the request becomes a chat request ({@link AnthropicMessages}), runs
 * through the same validation, budget policy, slots and recording, and is answered with thinking
 * and text content blocks, streamed under Anthropic's event names when asked. The response carries
 * bgl's {@code bgl} object as on the chat endpoint.
 */
final class MessagesHandler {
    private static final JsonNodeFactory J = JsonNodeFactory.instance;
    private static final SecureRandom RANDOM = new SecureRandom();
    private final CompletionsHandler completions;
    private final String modelId;

    MessagesHandler(CompletionsHandler completions, String modelId) {
        this.completions = completions;
        this.modelId = modelId;
    }

    /** @param user the caller's principal id: the request is stored as theirs */
    void handle(Context ctx, JsonNode body, String user) {
        ObjectNode chat = AnthropicMessages.toChat(body);
        CompletionsHandler.Prepared prep = completions.prepare(chat, true, user);
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        String id = "msg_" + HexFormat.of().formatHex(b);
        if (prep.parsed().stream()) stream(ctx, prep, id, user);
        else {
            StringBuilder thinking = new StringBuilder(), text = new StringBuilder();
            Engine.Generated g = completions.runFor(prep, id, user, new PhaseSplitter.Sink() {
                public void reasoning(String t) {
                    thinking.append(t);
                }

                public void content(String t) {
                    text.append(t);
                }
            });
            ObjectNode r = message(id, prep.promptTokens());
            ArrayNode content = r.putArray("content");
            String th = g.outcome().thinking();
            if (!th.isEmpty()) content.addObject().put("type", "thinking").put("thinking", th).put("signature", "");
            content.addObject().put("type", "text").put("text", g.outcome().answer());
            r.put("stop_reason", AnthropicMessages.stopReason(g));
            r.set("usage", usage(prep.promptTokens(), g.outcome().result().tokens().length));
            r.set("bgl", Responses.bgl(id, g, prep.parsed(), completions.taskType(prep.parsed()), prep.source()));
            BglServer.send(ctx, 200, r);
        }
    }

    private ObjectNode message(String id, int inputTokens) {
        ObjectNode r = J.objectNode();
        r.put("id", id);
        r.put("type", "message");
        r.put("role", "assistant");
        r.put("model", modelId);
        r.putNull("stop_reason");
        r.putNull("stop_sequence");
        r.set("usage", usage(inputTokens, 0));
        return r;
    }

    private static ObjectNode usage(int input, int output) {
        return J.objectNode().put("input_tokens", input).put("output_tokens", output);
    }

    /** message_start, a thinking block then a text block (start, deltas, stop), message_delta with usage, message_stop. */
    private void stream(Context ctx, CompletionsHandler.Prepared prep, String id, String user) {
        SseWriter sse = new SseWriter(ctx.res(), prep.cancel());
        int[] index = {-1};
        String[] open = {null};
        PhaseSplitter.Sink sink = new PhaseSplitter.Sink() {
            public void reasoning(String t) {
                delta("thinking", t);
            }

            public void content(String t) {
                delta("text", t);
            }

            private void delta(String kind, String t) {
                if (!kind.equals(open[0])) {
                    close();
                    start(kind);
                }
                if (t.isEmpty()) return;
                ObjectNode d = J.objectNode().put("type", kind + "_delta").put(kind, t);
                sse.send("content_block_delta", J.objectNode().put("type", "content_block_delta").put("index", index[0]).set("delta", d));
            }

            private void start(String kind) {
                index[0]++;
                open[0] = kind;
                ObjectNode block = J.objectNode().put("type", kind).put(kind, "");
                if (kind.equals("thinking")) block.put("signature", "");
                sse.send("content_block_start", J.objectNode().put("type", "content_block_start").put("index", index[0]).set("content_block", block));
            }

            void close() {
                if (open[0] == null) return;
                sse.send("content_block_stop", J.objectNode().put("type", "content_block_stop").put("index", index[0]));
                open[0] = null;
            }
        };
        try {
            // nothing is written before the generation has a slot: a full queue still answers 429 as JSON
            boolean[] started = {false};
            Engine.Generated g = completions.runFor(prep, id, user, new PhaseSplitter.Sink() {
                public void reasoning(String t) {
                    begin();
                    sink.reasoning(t);
                }

                public void content(String t) {
                    begin();
                    sink.content(t);
                }

                private void begin() {
                    if (started[0]) return;
                    started[0] = true;
                    sse.send("message_start", J.objectNode().put("type", "message_start").set("message",
                            message(id, prep.promptTokens()).set("content", J.arrayNode())));
                }
            });
            if (!started[0]) {
                started[0] = true;
                sse.send("message_start", J.objectNode().put("type", "message_start").set("message",
                        message(id, prep.promptTokens()).set("content", J.arrayNode())));
            }
            sink.content(""); // the text block, even an empty one, comes after the thinking
            closeOpen(sse, index, open);
            ObjectNode md = J.objectNode().put("type", "message_delta");
            md.putObject("delta").put("stop_reason", AnthropicMessages.stopReason(g)).putNull("stop_sequence");
            md.set("usage", usage(prep.promptTokens(), g.outcome().result().tokens().length));
            md.set("bgl", Responses.bgl(id, g, prep.parsed(), completions.taskType(prep.parsed()), prep.source()));
            sse.send("message_delta", md);
            sse.send("message_stop", J.objectNode().put("type", "message_stop"));
        } catch (RuntimeException e) {
            if (!sse.started()) throw e;
            ApiError a = e instanceof ApiError x ? x : ApiError.internal("internal error: " + e);
            sse.send("error", AnthropicMessages.error(a));
        }
    }

    private static void closeOpen(SseWriter sse, int[] index, String[] open) {
        if (open[0] == null) return;
        sse.send("content_block_stop", J.objectNode().put("type", "content_block_stop").put("index", index[0]));
        open[0] = null;
    }
}
