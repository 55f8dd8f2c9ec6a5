package dev.bgl.langchain4j;

import dev.bgl.budget.Budget;
import dev.bgl.budget.Method;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;

import java.util.Objects;

/**
 * LangChain4j's request parameters with bgl's on top: the thinking budget, the method that keeps it
 * and the sampling seed. Set on a model's builder they are its defaults; set on a
 * {@link dev.langchain4j.model.chat.request.ChatRequest} they override those for one request (a
 * field left null keeps the default), as LangChain4j's own providers' parameters do.
 *
 * <pre>{@code
 * ChatRequest.builder().messages(UserMessage.from("Add: 17+8+12+5"))
 *         .parameters(BglChatRequestParameters.builder().budget(Budget.tokens(24)).build()).build();
 * }</pre>
 */
public class BglChatRequestParameters extends DefaultChatRequestParameters {
    private final Budget budget;
    private final Method method;
    private final Long seed;

    protected BglChatRequestParameters(Builder builder) {
        super(builder);
        this.budget = builder.budget;
        this.method = builder.method;
        this.seed = builder.seed;
    }

    /** The thinking budget (null: the model's default; {@link Budget#NONE}: think freely). */
    public Budget budget() {
        return budget;
    }

    /** The budget method (null: the budget's default, guided with a predictor, else hard). */
    public Method method() {
        return method;
    }

    /** The sampling seed when the temperature is above 0 (null: 0). */
    public Long seed() {
        return seed;
    }

    @Override
    public BglChatRequestParameters overrideWith(ChatRequestParameters that) {
        return builder().overrideWith(this).overrideWith(that).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BglChatRequestParameters p && super.equals(o) && Objects.equals(budget, p.budget)
                && Objects.equals(method, p.method) && Objects.equals(seed, p.seed);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), budget, method, seed);
    }

    @Override
    public String toString() {
        return "BglChatRequestParameters{budget=" + (budget == null ? null : budget.label()) + ", method="
                + (method == null ? null : method.name()) + ", seed=" + seed + ", " + super.toString() + "}";
    }

    public static Builder builder() {
        return new Builder();
    }

    public static class Builder extends DefaultChatRequestParameters.Builder<Builder> {
        private Budget budget;
        private Method method;
        private Long seed;

        @Override
        public Builder overrideWith(ChatRequestParameters parameters) {
            super.overrideWith(parameters);
            if (parameters instanceof BglChatRequestParameters p) {
                if (p.budget != null) budget = p.budget;
                if (p.method != null) method = p.method;
                if (p.seed != null) seed = p.seed;
            }
            return this;
        }

        public Builder budget(Budget b) {
            this.budget = b;
            return this;
        }

        /** A budget as users write it: {@code 300}, {@code 5s}, {@code 5s,64MB} (see {@link Budget#parse}). */
        public Builder budget(String text) {
            return budget(Budget.parse(text));
        }

        public Builder method(Method m) {
            this.method = m;
            return this;
        }

        /** A method by name: {@code none}, {@code hard}, {@code qwen-stop}, {@code s1}, {@code prompt}, {@code nothink}, {@code guided}. */
        public Builder method(String name) {
            return method(Method.parse(name));
        }

        public Builder seed(Long s) {
            this.seed = s;
            return this;
        }

        @Override
        public BglChatRequestParameters build() {
            return new BglChatRequestParameters(this);
        }
    }
}
