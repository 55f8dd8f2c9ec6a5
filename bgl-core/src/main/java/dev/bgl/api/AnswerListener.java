package dev.bgl.api;

/**
 * Receives an answer as it is generated, on the thread that asked: the thinking and the answer text
 * separately, in order. The pieces of each concatenate to {@link Answer#thinking()} and
 * {@link Answer#text()}. To stop a generation early, cancel the {@link dev.bgl.decode.Cancellation}
 * given in {@link AskOptions#withCancellation} (from this listener or from any thread).
 */
public interface AnswerListener {
    /** A piece of the thinking. */
    default void onThinking(String text) {
    }

    /** A piece of the answer (after the thinking closed). */
    default void onAnswer(String text) {
    }

    AnswerListener NONE = new AnswerListener() {
    };
}
