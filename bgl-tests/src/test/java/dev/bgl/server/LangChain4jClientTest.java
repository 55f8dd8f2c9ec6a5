package dev.bgl.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** An independent OpenAI client (LangChain4j) reads the server's thinking and answer, plain and streamed. */
class LangChain4jClientTest {
    static final String Q = ChatCompletionsTest.Q;
    static final Map<String, Object> BUDGET = Map.of("thinking_budget", 24, "budget_mode", "guided");
    static TestServer s;
    static JsonNode direct;

    @BeforeAll
    static void up() {
        s = TestServer.start();
        direct = s.post("/v1/chat/completions", TestServer.chat(Q, "\"max_tokens\":200,\"thinking_budget\":24,\"budget_mode\":\"guided\"")).json();
    }

    @AfterAll
    static void down() {
        s.close();
    }

    @Test
    void chatModelReadsThinkingAndText() {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(s.url("/v1")).apiKey("none").modelName(TestServer.MODEL_ID)
                .maxTokens(200).returnThinking(true).customParameters(BUDGET).timeout(Duration.ofSeconds(60)).build();
        ChatResponse r = model.chat(UserMessage.from(Q));
        assertEquals(direct.at("/choices/0/message/content").asText(), r.aiMessage().text());
        assertEquals(direct.at("/choices/0/message/reasoning_content").asText(), r.aiMessage().thinking());
        assertEquals(direct.at("/usage/total_tokens").asInt(), r.tokenUsage().totalTokenCount());
    }

    @Test
    void streamingModelGetsPartialThinkingThenAnswer() throws Exception {
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(s.url("/v1")).apiKey("none")
                .modelName(TestServer.MODEL_ID).maxTokens(200).returnThinking(true).customParameters(BUDGET)
                .timeout(Duration.ofSeconds(60)).build();
        StringBuilder thinking = new StringBuilder(), answer = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat(Q, new StreamingChatResponseHandler() {
            @Override
            public void onPartialThinking(PartialThinking t) {
                if (!answer.isEmpty()) done.completeExceptionally(new AssertionError("thinking after the answer began"));
                thinking.append(t.text());
            }

            @Override
            public void onPartialResponse(String text) {
                answer.append(text);
            }

            @Override
            public void onCompleteResponse(ChatResponse r) {
                done.complete(r);
            }

            @Override
            public void onError(Throwable e) {
                done.completeExceptionally(e);
            }
        });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);
        assertEquals(direct.at("/choices/0/message/reasoning_content").asText(), thinking.toString());
        assertEquals(direct.at("/choices/0/message/content").asText(), answer.toString());
        assertEquals(answer.toString(), r.aiMessage().text());
    }

    /**
     * A plain client that knows nothing of budgets sends no budget field: the server's policy chooses
     * the budget (guided, the suggestion's tokens) and stores the request under it, so it can be rated
     * by its owner; the client keeps no cookie, so its request is its fresh session's, and another
     * caller may not rate it.
     */
    @Test
    void plainClientWithoutBudgetGetsThePolicysBudget() {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(s.url("/v1")).apiKey("none").modelName(TestServer.MODEL_ID)
                .maxTokens(200).returnThinking(true).timeout(Duration.ofSeconds(60)).build();
        ChatResponse r = model.chat(UserMessage.from(Q));
        assertFalse(r.aiMessage().text().isBlank());
        var stored = s.feedback.request(r.id());
        assertNotNull(stored, "the request " + r.id() + " is stored");
        int suggested = s.get("/v1/budget/suggestion?question=x").json().get("budget_tokens").asInt();
        assertEquals(suggested, stored.budgetTokens());
        assertEquals("guided", stored.mode());
        assertEquals(403, s.post("/v1/feedback", "{\"request_id\":\"" + r.id() + "\",\"rating\":3}").status());
    }
}
