package dev.bgl.api;

import dev.bgl.decode.ThinkingFormat.Phase;
import dev.bgl.decode.TokenListener;
import dev.bgl.tokenizer.Tokenizer;

/**
 * Splits the token stream into thinking and answer text the way the non-streamed response does
 * ({@link dev.bgl.budget.BudgetRunner}'s accounting), by the phase the decode loop gives each token
 * (a change of phase is a marker): the markers themselves are not text, text
 * before {@code <think>} is dropped when thinking opens, the answer is stripped of leading and
 * trailing whitespace, end-of-generation tokens are not text. So the deltas concatenate to the
 * non-stream {@code reasoning_content} and {@code content}.
 */
public final class PhaseSplitter implements TokenListener {
    /** Receives the pieces as they become final. */
    public interface Sink {
        void reasoning(String text);

        void content(String text);

        Sink NONE = new Sink() {
            public void reasoning(String text) {
            }

            public void content(String text) {
            }
        };
    }

    private final Tokenizer tokenizer;
    private final Sink sink;
    private Phase phase;
    private int thinkingTokens;
    private final StringBuilder before = new StringBuilder();
    private final StringBuilder pendingSpace = new StringBuilder();
    private boolean answerStarted;
    private final int closeTail;
    private int tailLeft;

    /** @param start the phase the prompt leaves the model in (the loop's phase before the first token) */
    public PhaseSplitter(Tokenizer tokenizer, Phase start, Sink sink) {
        this(tokenizer, start, 0, sink);
    }

    /** @param closeTail tokens of the close marker after its closing token (harmony's: 5; a one-token marker's: 0) */
    public PhaseSplitter(Tokenizer tokenizer, Phase start, int closeTail, Sink sink) {
        this.tokenizer = tokenizer;
        this.phase = start;
        this.closeTail = closeTail;
        this.sink = sink;
    }

    @Override
    public void onToken(int id, String text, boolean forced, Phase now) {
        if (id >= 0 && tokenizer.isEndOfGeneration(id)) return;
        Phase was = phase;
        phase = now;
        switch (was) {
            case BEFORE -> {
                if (now == Phase.THINKING) {
                    before.setLength(0); // <think>
                } else if (now == Phase.ANSWER) {
                    answer(text); // no thinking model: everything is answer
                } else {
                    before.append(text); // answer only if thinking never opens
                }
            }
            case THINKING -> {
                if (now != Phase.THINKING) {
                    tailLeft = closeTail; // </think>: not text, nor the rest of its marker
                } else {
                    thinkingTokens++;
                    if (!text.isEmpty()) sink.reasoning(text);
                }
            }
            case ANSWER -> {
                if (tailLeft > 0 && forced) tailLeft--;
                else {
                    tailLeft = 0;
                    answer(text);
                }
            }
        }
    }

    /** Ends the stream: text before a thinking that never opened is the answer. */
    public void finish() {
        if (phase == Phase.BEFORE && !before.isEmpty()) {
            answer(before.toString());
            before.setLength(0);
        }
    }

    private void answer(String text) {
        int end = text.length();
        while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) end--;
        if (end == 0) {
            if (answerStarted) pendingSpace.append(text);
            return;
        }
        String body = text.substring(0, end);
        if (!answerStarted) {
            body = body.stripLeading();
            answerStarted = true;
        }
        if (!pendingSpace.isEmpty()) {
            body = pendingSpace + body;
            pendingSpace.setLength(0);
        }
        pendingSpace.append(text, end, text.length());
        sink.content(body);
    }

    public Phase phase() {
        return phase;
    }

    /** Thinking tokens seen so far. */
    public int thinkingTokens() {
        return thinkingTokens;
    }
}
