package dev.bgl.langchain4j;

import dev.bgl.api.Answer;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;

import java.util.Objects;

/**
 * LangChain4j's response metadata with what the budget did: read it from
 * {@code (BglChatResponseMetadata) response.metadata()}.
 */
public class BglChatResponseMetadata extends ChatResponseMetadata {
    private final Answer answer;

    protected BglChatResponseMetadata(Builder builder) {
        super(builder);
        this.answer = builder.answer;
    }

    /** Everything bgl reports of the run: thinking and answer tokens, the budget, the method, whether the budget was kept. */
    public Answer answer() {
        return answer;
    }

    /** Tokens spent thinking: what a token budget counts. */
    public int thinkingTokens() {
        return answer.thinkingTokens();
    }

    /** Whether every limit of the budget was kept (and the answer did not overrun its cap). */
    public boolean budgetKept() {
        return answer.budgetKept();
    }

    /** The method that kept the budget ({@code guided}, {@code hard}, ..., {@code none}). */
    public String method() {
        return answer.method().name();
    }

    /** Why the run ended: {@code end_of_generation}, {@code max_tokens}, {@code answer_cap}, {@code cancelled}, ... */
    public String stopReason() {
        return answer.stopReason();
    }

    @Override
    public Builder toBuilder() {
        return (Builder) toBuilder(builder().answer(answer));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BglChatResponseMetadata m && super.equals(o) && Objects.equals(answer, m.answer);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), answer);
    }

    @Override
    public String toString() {
        return "BglChatResponseMetadata{" + answer + ", " + super.toString() + "}";
    }

    public static Builder builder() {
        return new Builder();
    }

    public static class Builder extends ChatResponseMetadata.Builder<Builder> {
        private Answer answer;

        public Builder answer(Answer a) {
            this.answer = a;
            return this;
        }

        @Override
        public BglChatResponseMetadata build() {
            return new BglChatResponseMetadata(this);
        }
    }
}
