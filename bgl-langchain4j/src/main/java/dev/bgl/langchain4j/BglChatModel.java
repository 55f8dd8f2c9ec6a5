package dev.bgl.langchain4j;

import dev.bgl.api.BglModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;


/**
 * bgl as LangChain4j's {@link ChatModel}, in this JVM: each request is answered by a {@link BglModel}
 * under the request's budget ({@link BglChatRequestParameters}) or the builder's. The answer is the
 * message's text and the thinking its {@code thinking()}; {@link BglChatResponseMetadata} says what the
 * budget did. Thread-safe as the {@link BglModel} is.
 *
 * <pre>{@code
 * ChatModel chat = BglChatModel.builder().model(Bgl.load(path)).budget(Budget.tokens(50)).build();
 * AiMessage reply = chat.chat(UserMessage.from("Add: 17+8+12+5")).aiMessage();
 * }</pre>
 */
public final class BglChatModel extends BglChatModelBase implements ChatModel {

    private BglChatModel(Builder b) {
        super(b);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        Conversion.Ask ask = Conversion.ask(request, defaults);
        return Conversion.response(model.ask(ask.messages(), ask.budget(), ask.options()), model.name());
    }

    public static final class Builder extends BglModelBuilder<Builder> {
        public BglChatModel build() {
            return new BglChatModel(this);
        }
    }
}
