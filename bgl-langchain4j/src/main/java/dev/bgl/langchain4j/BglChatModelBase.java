package dev.bgl.langchain4j;

import dev.bgl.api.BglModel;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;

import java.util.List;

/**
 * What the plain and the streaming model hold and report alike (LangChain4j's {@code ChatModel} and
 * {@code StreamingChatModel} ask both for the same three things): the model that answers, the
 * builder's default parameters and its listeners.
 */
abstract class BglChatModelBase {
    final BglModel model;
    final BglChatRequestParameters defaults;
    private final List<ChatModelListener> listeners;

    BglChatModelBase(BglModelBuilder<?> b) {
        this.model = b.requireModel();
        this.defaults = b.parameters.build();
        this.listeners = b.listeners;
    }

    public ChatRequestParameters defaultRequestParameters() {
        return defaults;
    }

    public List<ChatModelListener> listeners() {
        return listeners;
    }

    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }
}
