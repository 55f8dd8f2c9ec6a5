package dev.bgl.server;

import dev.bgl.util.RepoFiles;
import dev.bgl.budget.ThinkingTracker.Phase;
import dev.bgl.decode.LoadedModel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The stream's split into reasoning and answer follows the non-stream accounting rules. */
class PhaseSplitterTest {
    @Test
    void markersAreNotTextAndTheAnswerIsStripped() {
        try (LoadedModel m = LoadedModel.open(RepoFiles.shippedModel())) {
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
            PhaseSplitter s = new PhaseSplitter(m.tokenizer(), open, close, Phase.BEFORE, sink);
            s.onToken(10, " ", false);        // before <think>: dropped once thinking opens
            s.onToken(open, "<think>", false);
            s.onToken(11, "\n1+2", false);
            s.onToken(12, "=3\n", true);
            s.onToken(close, "</think>", false);
            s.onToken(13, "\n\n", false);     // leading whitespace of the answer: dropped
            s.onToken(14, "Answer:", false);
            s.onToken(15, " ", false);        // inner whitespace: held until more text comes
            s.onToken(16, "3", false);
            s.onToken(17, "\n", false);       // trailing whitespace: never sent
            if (eos >= 0) s.onToken(eos, "<|endoftext|>", false);
            s.finish();
            assertEquals("\n1+2=3\n", r.toString());
            assertEquals("[Answer:][ 3]", c.toString());
            assertEquals(2, s.thinkingTokens());

            StringBuilder only = new StringBuilder();
            PhaseSplitter never = new PhaseSplitter(m.tokenizer(), open, close, Phase.BEFORE, new PhaseSplitter.Sink() {
                public void reasoning(String t) {
                    fail("no thinking opened");
                }

                public void content(String t) {
                    only.append(t);
                }
            });
            never.onToken(20, "  42 ", false);
            assertEquals("", only.toString(), "held until it is clear the thinking never opens");
            never.finish();
            assertEquals("42", only.toString());
        }
    }
}
