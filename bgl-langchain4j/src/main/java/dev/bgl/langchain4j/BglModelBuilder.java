package dev.bgl.langchain4j;

import dev.bgl.api.BglModel;
import dev.bgl.budget.Budget;
import dev.bgl.budget.Method;
import dev.bgl.util.BglException;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;

import java.util.List;

/**
 * What both LangChain4j models are built from: the {@link BglModel} that answers (the caller opens and closes it;
 * several LangChain4j models may share one) and the default request parameters, the budget first.
 */
public abstract class BglModelBuilder<B extends BglModelBuilder<B>> {
    BglModel model;
    final BglChatRequestParameters.Builder parameters = BglChatRequestParameters.builder();
    List<ChatModelListener> listeners = List.of();

    BglModelBuilder() {
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** The model that answers, from {@link dev.bgl.api.Bgl#load}. */
    public B model(BglModel m) {
        this.model = m;
        return self();
    }

    /** The thinking budget of requests that give none ({@link Budget#NONE} by default: think freely). */
    public B budget(Budget b) {
        parameters.budget(b);
        return self();
    }

    /** {@link #budget(Budget)} as users write it: {@code 300}, {@code 5s}, {@code 5s,64MB}. */
    public B budget(String text) {
        parameters.budget(text);
        return self();
    }

    /** The budget method of requests that name none (default: the budget's, guided with a predictor, else hard). */
    public B method(Method m) {
        parameters.method(m);
        return self();
    }

    public B method(String name) {
        parameters.method(name);
        return self();
    }

    /** Most tokens generated, thinking and answer together (default: {@link BglModel#DEFAULT_MAX_TOKENS}, or more for a large budget). */
    public B maxOutputTokens(Integer n) {
        parameters.maxOutputTokens(n);
        return self();
    }

    /** Sampling temperature (default 0: greedy, the same question gives the same answer). */
    public B temperature(Double t) {
        parameters.temperature(t);
        return self();
    }

    public B topP(Double p) {
        parameters.topP(p);
        return self();
    }

    public B topK(Integer k) {
        parameters.topK(k);
        return self();
    }

    public B seed(Long s) {
        parameters.seed(s);
        return self();
    }

    /** Default parameters all at once (LangChain4j's or {@link BglChatRequestParameters}); those set here win over earlier calls. */
    public B defaultRequestParameters(ChatRequestParameters p) {
        parameters.overrideWith(p);
        return self();
    }

    public B listeners(List<ChatModelListener> l) {
        this.listeners = l == null ? List.of() : List.copyOf(l);
        return self();
    }

    BglModel requireModel() {
        if (model == null) throw new BglException("no model given: builder().model(Bgl.load(path))");
        return model;
    }
}
