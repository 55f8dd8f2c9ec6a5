package dev.bgl.api;

import dev.bgl.decode.LoadedModel;
import dev.bgl.decode.ThinkingFormat;
import dev.bgl.decode.ThinkingFormat.Phase;
import dev.bgl.decode.ThinkingState;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The stream's split into reasoning and answer follows the non-stream accounting rules. */
class PhaseSplitterTest {
    /** Hands a token to the splitter with the phase the decode loop's state gives it. */
    static void feed(PhaseSplitter s, ThinkingState loop, int id, String text, boolean forced) {
        if (id >= 0) loop.accept(id);
        s.onToken(id, text, forced, loop.phase());
    }

    @Test
    void markersAreNotTextAndTheAnswerIsStripped() {
        try (LoadedModel m = LoadedModel.open(dev.bgl.util.RepoFiles.shippedModel())) {
            StringBuilder r = new StringBuilder(), c = new StringBuilder();
            PhaseSplitter.Sink sink = new PhaseSplitter.Sink() {
                public void reasoning(String t) {
                    r.append(t);
                }

                public void content(String t) {
                    c.append('[').append(t).append(']');
                }
            };
            int open = m.thinkOpenId(), close = m.thinkCloseId(), eos = m.tokenizer().eosId();
            PhaseSplitter s = new PhaseSplitter(m.tokenizer(), Phase.BEFORE, sink);
            ThinkingState loop = new ThinkingState(new ThinkingFormat(open, close, Phase.BEFORE));
            feed(s, loop, 10, " ", false);        // before <think>: dropped once thinking opens
            feed(s, loop, open, "<think>", false);
            feed(s, loop, 11, "\n1+2", false);
            feed(s, loop, 12, "=3\n", true);
            feed(s, loop, close, "</think>", false);
            feed(s, loop, 13, "\n\n", false);     // leading whitespace of the answer: dropped
            feed(s, loop, 14, "Answer:", false);
            feed(s, loop, 15, " ", false);        // inner whitespace: held until more text comes
            feed(s, loop, 16, "3", false);
            feed(s, loop, 17, "\n", false);       // trailing whitespace: never sent
            if (eos >= 0) feed(s, loop, eos, "<|endoftext|>", false);
            s.finish();
            assertEquals("\n1+2=3\n", r.toString());
            assertEquals("[Answer:][ 3]", c.toString());
            assertEquals(2, s.thinkingTokens());

            StringBuilder only = new StringBuilder();
            ThinkingState neverLoop = new ThinkingState(new ThinkingFormat(open, close, Phase.BEFORE));
            PhaseSplitter never = new PhaseSplitter(m.tokenizer(), Phase.BEFORE, new PhaseSplitter.Sink() {
                public void reasoning(String t) {
                    fail("no thinking opened");
                }

                public void content(String t) {
                    only.append(t);
                }
            });
            feed(never, neverLoop, 20, "  42 ", false);
            assertEquals("", only.toString(), "held until it is clear the thinking never opens");
            never.finish();
            assertEquals("42", only.toString());
        }
    }
}
