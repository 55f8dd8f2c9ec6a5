package dev.bgl.langchain4j;

import dev.bgl.api.Answer;
import dev.bgl.api.AskOptions;
import dev.bgl.budget.Budget;
import dev.bgl.chat.ChatMessage;
import dev.bgl.decode.SamplerConfig;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;

import java.util.ArrayList;
import java.util.List;

/** Between LangChain4j's requests and responses and bgl's questions and answers; shared by both models. */
final class Conversion {
    /** Sampling filters when a temperature is given without them: those {@code bgl run} uses. */
    static final int DEFAULT_TOP_K = 20;
    static final double DEFAULT_TOP_P = 0.95;

    private Conversion() {
    }

    /** One question for {@link dev.bgl.api.BglModel}: the conversation, the budget, and how to ask. */
    record Ask(List<ChatMessage> messages, Budget budget, AskOptions options) {
    }

    /**
     * The request's messages and parameters over the model's defaults (the request's win where set).
     * What bgl cannot do (tools, JSON mode, stop sequences, penalties, images) is refused, not ignored.
     */
    static Ask ask(ChatRequest request, BglChatRequestParameters defaults) {
        BglChatRequestParameters p = defaults.overrideWith(request.parameters());
        if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty())
            throw new UnsupportedFeatureException("bgl does not call tools: the request has " + p.toolSpecifications().size() + " tool specifications");
        if (p.responseFormat() != null && p.responseFormat().type() == ResponseFormatType.JSON)
            throw new UnsupportedFeatureException("bgl has no JSON response format");
        if (p.stopSequences() != null && !p.stopSequences().isEmpty())
            throw new UnsupportedFeatureException("bgl has no stop sequences: the model stops at its end of turn");
        if (p.frequencyPenalty() != null || p.presencePenalty() != null)
            throw new UnsupportedFeatureException("bgl has no frequency or presence penalty");
        AskOptions options = AskOptions.DEFAULT.withMethod(p.method()).withSampler(sampler(p));
        if (p.maxOutputTokens() != null) options = options.withMaxTokens(p.maxOutputTokens());
        return new Ask(messages(request.messages()), p.budget() == null ? Budget.NONE : p.budget(), options);
    }

    /** Greedy without a temperature (or at 0), else sampling with the given filters (top-k 20, top-p 0.95 when not). */
    static SamplerConfig sampler(ChatRequestParameters p) {
        double t = p.temperature() == null ? 0 : p.temperature();
        if (t <= 0) return SamplerConfig.GREEDY;
        long seed = p instanceof BglChatRequestParameters b && b.seed() != null ? b.seed() : 0;
        return new SamplerConfig((float) t, p.topK() == null ? DEFAULT_TOP_K : p.topK(),
                (float) (p.topP() == null ? DEFAULT_TOP_P : p.topP()), 0f, seed);
    }

    static List<ChatMessage> messages(List<dev.langchain4j.data.message.ChatMessage> in) {
        List<ChatMessage> out = new ArrayList<>();
        for (dev.langchain4j.data.message.ChatMessage m : in) {
            out.add(switch (m) {
                case SystemMessage s -> ChatMessage.system(s.text());
                case UserMessage u when u.hasSingleText() -> ChatMessage.user(u.singleText());
                case UserMessage u -> throw new UnsupportedFeatureException("bgl reads text only: a user message has "
                        + u.contents().size() + " parts (" + u.contents().stream().map(c -> c.type().name().toLowerCase(java.util.Locale.ROOT)).toList() + ")");
                case AiMessage a when a.hasToolExecutionRequests() -> throw new UnsupportedFeatureException("bgl does not call tools: an AI message has tool calls");
                case AiMessage a -> new ChatMessage("assistant", a.text() == null ? "" : a.text(), a.thinking());
                default -> throw new UnsupportedFeatureException("bgl takes system, user and AI messages, not " + m.type());
            });
        }
        return out;
    }

    /** The answer as LangChain4j's response: the text, the thinking as its thinking, the usage, bgl's account in the metadata. */
    static ChatResponse response(Answer a, String modelName) {
        BglChatResponseMetadata meta = BglChatResponseMetadata.builder().answer(a).modelName(modelName)
                .tokenUsage(new TokenUsage(a.promptTokens(), a.generatedTokens()))
                .finishReason(finishReason(a)).build();
        return ChatResponse.builder().aiMessage(AiMessage.builder().text(a.text()).thinking(a.thinking()).build())
                .metadata(meta).build();
    }

    /** As the server reports it: cut by the token cap or the context is {@code LENGTH}, anything else {@code STOP}. */
    static FinishReason finishReason(Answer a) {
        return switch (a.stopReason()) {
            case "max_tokens", "context_full" -> FinishReason.LENGTH;
            case "cancelled" -> FinishReason.OTHER;
            default -> FinishReason.STOP;
        };
    }
}
