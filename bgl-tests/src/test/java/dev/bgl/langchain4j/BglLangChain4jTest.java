package dev.bgl.langchain4j;

import dev.bgl.util.RepoFiles;
import dev.bgl.api.Answer;
import dev.bgl.api.Bgl;
import dev.bgl.api.BglModel;
import dev.bgl.budget.Budget;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** LangChain4j's ChatModel and StreamingChatModel answered by bgl in this JVM (no server): thinking, budgets, streaming. */
class BglLangChain4jTest {
    static final String Q = "Add: 17+8+12+5"; // 73 thinking tokens unconstrained, answer 42
    static BglModel model;
    static Answer direct;

    @BeforeAll
    static void load() {
        model = Bgl.load(RepoFiles.shippedModel());
        direct = model.ask(Q, Budget.tokens(24));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void chatModelReturnsTheThinkingAsThinkingUnderTheBuildersBudget() {
        BglChatModel chat = BglChatModel.builder().model(model).budget(Budget.tokens(24)).build();
        ChatResponse r = chat.chat(UserMessage.from(Q));
        assertEquals(direct.text(), r.aiMessage().text());
        assertEquals(direct.thinking(), r.aiMessage().thinking());
        assertFalse(r.aiMessage().thinking().isBlank());
        assertTrue(r.aiMessage().text().contains("42"), r.aiMessage().text());
        assertEquals(direct.promptTokens(), r.tokenUsage().inputTokenCount());
        assertEquals(direct.generatedTokens(), r.tokenUsage().outputTokenCount());
        assertEquals(FinishReason.STOP, r.finishReason());
        BglChatResponseMetadata meta = (BglChatResponseMetadata) r.metadata();
        assertTrue(meta.thinkingTokens() <= 24, meta.thinkingTokens() + " thinking tokens under 24");
        assertTrue(meta.budgetKept());
        assertEquals("guided", meta.method());
        assertEquals(model.name(), r.modelName());
    }

    /** A request's budget and method win over the builder's; fields it leaves out keep the builder's. */
    @Test
    void aRequestsBudgetOverridesTheDefault() {
        BglChatModel chat = BglChatModel.builder().model(model).maxOutputTokens(400).build(); // no budget: think freely
        BglChatResponseMetadata free = (BglChatResponseMetadata) chat.chat(UserMessage.from(Q)).metadata();
        assertEquals("none", free.method());
        assertTrue(free.thinkingTokens() > 16, "the question takes more than 16 thinking tokens: " + free.thinkingTokens());
        ChatResponse cut = chat.chat(ChatRequest.builder().messages(UserMessage.from(Q))
                .parameters(BglChatRequestParameters.builder().budget("16").method("hard").build()).build());
        BglChatResponseMetadata meta = (BglChatResponseMetadata) cut.metadata();
        assertEquals("hard", meta.method());
        assertTrue(meta.thinkingTokens() <= 16, meta.thinkingTokens() + " thinking tokens under 16");
        assertEquals(model.ask(List.of(dev.bgl.chat.ChatMessage.user(Q)), Budget.tokens(16),
                dev.bgl.api.AskOptions.DEFAULT.withMethod(new dev.bgl.budget.Method.Hard()).withMaxTokens(400)).text(), cut.aiMessage().text());
        // the builder's cap still applies: 10 tokens end the run by length
        ChatResponse capped = BglChatModel.builder().model(model).maxOutputTokens(10).build().chat(UserMessage.from(Q));
        assertEquals(FinishReason.LENGTH, capped.finishReason());
        assertEquals(10, capped.tokenUsage().outputTokenCount());
    }

    /** A conversation reaches the model with its roles, and an earlier answer with its thinking (the template decides what to show). */
    @Test
    void conversationsKeepTheirRolesAndEarlierThinking() {
        BglChatModel chat = BglChatModel.builder().model(model).budget(Budget.tokens(24)).build();
        AiMessage earlier = chat.chat(UserMessage.from(Q)).aiMessage();
        var lc = List.of(SystemMessage.from("Answer briefly."), UserMessage.from(Q), earlier, UserMessage.from("Multiply: 47*6"));
        List<dev.bgl.chat.ChatMessage> bgl = List.of(dev.bgl.chat.ChatMessage.system("Answer briefly."), dev.bgl.chat.ChatMessage.user(Q),
                new dev.bgl.chat.ChatMessage("assistant", direct.text(), direct.thinking()), dev.bgl.chat.ChatMessage.user("Multiply: 47*6"));
        assertEquals(bgl, Conversion.messages(lc));
        assertEquals(model.ask(bgl, Budget.tokens(24), dev.bgl.api.AskOptions.DEFAULT).text(), chat.chat(lc).aiMessage().text());
    }

    @Test
    void streamingModelSendsThinkingThenAnswerThatConcatenateToTheMessage() throws Exception {
        BglStreamingChatModel chat = BglStreamingChatModel.builder().model(model).budget(Budget.tokens(24)).build();
        StringBuilder thinking = new StringBuilder(), answer = new StringBuilder();
        List<String> threads = new ArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        chat.chat(Q, new StreamingChatResponseHandler() {
            @Override
            public void onPartialThinking(PartialThinking t) {
                if (!answer.isEmpty()) done.completeExceptionally(new AssertionError("thinking after the answer began"));
                thinking.append(t.text());
                threads.add(Thread.currentThread().getName());
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
        assertEquals(direct.thinking(), thinking.toString());
        assertEquals(direct.text(), answer.toString());
        assertEquals(answer.toString(), r.aiMessage().text());
        assertEquals(thinking.toString(), r.aiMessage().thinking());
        assertTrue(threads.size() > 5, "the thinking came in pieces: " + threads.size());
        assertNotEquals(Thread.currentThread().getName(), threads.getFirst(), "chat returned at once; the request ran on its own thread");
    }

    /** The handle in a callback's context stops the generation: no callback after it, not even the completion. */
    @Test
    void streamingHandleCancels() {
        BglStreamingChatModel chat = BglStreamingChatModel.builder().model(model).executor(Runnable::run).build();
        List<String> events = new ArrayList<>();
        chat.chat(Q, new StreamingChatResponseHandler() {
            @Override
            public void onPartialThinking(PartialThinking t, PartialThinkingContext c) {
                events.add("thinking");
                if (events.size() == 3) c.streamingHandle().cancel();
            }

            @Override
            public void onPartialResponse(PartialResponse r, PartialResponseContext c) {
                events.add("answer");
            }

            @Override
            public void onCompleteResponse(ChatResponse r) {
                events.add("complete");
            }

            @Override
            public void onError(Throwable e) {
                events.add("error " + e);
            }
        });
        assertEquals(List.of("thinking", "thinking", "thinking"), events);
    }

    @Test
    void whatBglCannotDoIsRefusedNotIgnored() {
        BglChatModel chat = BglChatModel.builder().model(model).budget(Budget.tokens(24)).build();
        var tools = ChatRequest.builder().messages(UserMessage.from(Q))
                .toolSpecifications(ToolSpecification.builder().name("add").description("adds").build()).build();
        assertTrue(assertThrows(UnsupportedFeatureException.class, () -> chat.chat(tools)).getMessage().contains("tool"));
        var json = ChatRequest.builder().messages(UserMessage.from(Q)).responseFormat(ResponseFormat.JSON).build();
        assertThrows(UnsupportedFeatureException.class, () -> chat.chat(json));
        var stop = ChatRequest.builder().messages(UserMessage.from(Q)).stopSequences(List.of("\n")).build();
        assertThrows(UnsupportedFeatureException.class, () -> chat.chat(stop));
        CompletableFuture<Throwable> error = new CompletableFuture<>();
        BglStreamingChatModel.builder().model(model).build().chat(tools, new StreamingChatResponseHandler() {
            public void onCompleteResponse(ChatResponse r) {
                error.complete(null);
            }

            public void onError(Throwable e) {
                error.complete(e);
            }
        });
        assertInstanceOf(UnsupportedFeatureException.class, error.join());
        assertThrows(dev.bgl.util.BglException.class, () -> BglChatModel.builder().budget("24").build());
    }
}
