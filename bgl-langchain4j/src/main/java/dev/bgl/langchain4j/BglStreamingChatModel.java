package dev.bgl.langchain4j;

import dev.bgl.api.Answer;
import dev.bgl.api.AnswerListener;
import dev.bgl.api.BglModel;
import dev.bgl.decode.Cancellation;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;

import java.util.concurrent.Executor;

/**
 * bgl as LangChain4j's {@link StreamingChatModel}, in this JVM: the thinking arrives as
 * {@code onPartialThinking}, then the answer as {@code onPartialResponse}; their pieces concatenate to
 * the final message's {@code thinking()} and {@code text()}. Each request runs on a thread of the
 * builder's executor (default: a new daemon thread), so {@code chat} returns at once; the
 * {@link StreamingHandle} in each callback's context cancels it (no further callbacks then).
 */
public final class BglStreamingChatModel extends BglChatModelBase implements StreamingChatModel {
    private final Executor executor;

    private BglStreamingChatModel(Builder b) {
        super(b);
        this.executor = b.executor != null ? b.executor : r -> Thread.ofPlatform().daemon().name("bgl-stream").start(r);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        Conversion.Ask ask;
        try {
            ask = Conversion.ask(request, defaults);
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        Handle handle = new Handle();
        executor.execute(() -> {
            try {
                Answer a = model.stream(ask.messages(), ask.budget(), ask.options().withCancellation(handle.cancellation), new AnswerListener() {
                    @Override
                    public void onThinking(String text) {
                        if (!handle.isCancelled()) handler.onPartialThinking(new PartialThinking(text), new PartialThinkingContext(handle));
                    }

                    @Override
                    public void onAnswer(String text) {
                        if (!handle.isCancelled()) handler.onPartialResponse(new PartialResponse(text), new PartialResponseContext(handle));
                    }
                });
                if (!handle.isCancelled()) handler.onCompleteResponse(Conversion.response(a, model.name()));
            } catch (RuntimeException e) {
                if (!handle.isCancelled()) handler.onError(e);
            }
        });
    }

    /** Cancels one request: the generation stops at its next token. */
    private static final class Handle implements StreamingHandle {
        final Cancellation cancellation = new Cancellation();

        @Override
        public void cancel() {
            cancellation.cancel();
        }

        @Override
        public boolean isCancelled() {
            return cancellation.isCancelled();
        }
    }

    public static final class Builder extends BglModelBuilder<Builder> {
        Executor executor;

        /** Where requests run (default: a new daemon thread each). */
        public Builder executor(Executor e) {
            this.executor = e;
            return this;
        }

        public BglStreamingChatModel build() {
            return new BglStreamingChatModel(this);
        }
    }
}
