package dev.bgl.budget;

import dev.bgl.decode.DecodeControl;
import dev.bgl.decode.Drive;
import dev.bgl.decode.ThinkingFormat.Phase;
import dev.bgl.decode.Step;
import dev.bgl.tokenizer.ByteLevelVocab;
import dev.bgl.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class AnswerGuardTest {
    static final Tokenizer TOK = Tokenizer.of(ByteLevelVocab.spec());
    static final int OPEN = TOK.tokenId("<think>").getAsInt(), CLOSE = TOK.tokenId("</think>").getAsInt();
    static final int NL = TOK.encode("\n", true)[0], A = TOK.encode("a", true)[0];
    static final int EOT = TOK.tokenId("<|im_end|>").getAsInt();
    static final Step STEP = Drive.base(0, 10, new int[1], null);

    /** Records what the guard asks of the loop. */
    static final class Control implements DecodeControl {
        final List<Integer> inserted = new ArrayList<>();
        String stop;

        public void insert(int... tokens) {
            for (int t : tokens) inserted.add(t);
        }

        public void insertText(String text) {
            insert(TOK.encode(text, true));
        }

        public void stop(String reason) {
            stop = reason;
        }
    }

    static AnswerGuard guard(Phase start, int cap, String prefix) {
        return Drive.track(new AnswerGuard(new dev.bgl.decode.ThinkingFormat(OPEN, CLOSE, start), cap, prefix, TOK), OPEN, CLOSE, start);
    }

    @Test
    void onceClosedTheThinkingMarkersCannotComeBack() {
        AnswerGuard g = guard(Phase.THINKING, 24, null);
        Control c = new Control();
        float[] logits = new float[TOK.vocabSize()];
        Arrays.fill(logits, 1f);
        float[] l = logits.clone();
        Drive.apply(g, STEP, l);
        assertArrayEquals(logits, l, "while thinking the guard changes nothing");
        Drive.accept(g, STEP, A, false, c);
        Drive.accept(g, STEP, CLOSE, false, c);
        Drive.apply(g, STEP, l = logits.clone());
        assertEquals(Float.NEGATIVE_INFINITY, l[OPEN]);
        assertEquals(Float.NEGATIVE_INFINITY, l[CLOSE]);
        l[OPEN] = l[CLOSE] = 1f;
        assertArrayEquals(logits, l, "every other token stays as it was");
        assertFalse(g.markerAfterClose());
        Drive.accept(g, STEP, CLOSE, true, c); // only an insertion can put one there, and it is counted
        assertTrue(g.markerAfterClose());
    }

    @Test
    void theAnswerStopsAtItsCapUnlessItEndsThere() {
        AnswerGuard g = guard(Phase.THINKING, 3, null);
        Control c = new Control();
        Drive.accept(g, STEP, CLOSE, false, c);
        Drive.accept(g, STEP, A, false, c);
        Drive.accept(g, STEP, A, false, c);
        assertNull(c.stop, "two answer tokens of three");
        Drive.accept(g, STEP, A, false, c);
        assertEquals(AnswerGuard.ANSWER_CAP, c.stop, "the third, not an end of turn: the run stops there");
        assertTrue(g.capped());

        AnswerGuard ends = guard(Phase.THINKING, 3, null);
        Control c2 = new Control();
        Drive.accept(ends, STEP, CLOSE, false, c2);
        Drive.accept(ends, STEP, A, false, c2);
        Drive.accept(ends, STEP, A, false, c2);
        Drive.accept(ends, STEP, EOT, false, c2);
        assertNull(c2.stop, "an answer that ends on its last allowed token is whole");
        assertFalse(ends.capped());
    }

    @Test
    void thinkingTokensDoNotCountTowardTheCap() {
        AnswerGuard g = guard(Phase.BEFORE, 2, null);
        Control c = new Control();
        Drive.accept(g, STEP, OPEN, false, c);
        for (int i = 0; i < 10; i++) Drive.accept(g, STEP, A, false, c);
        assertNull(c.stop);
        assertFalse(g.capped());
    }

    @Test
    void aForcedCloseGetsTheAnswerPrefixAfterTheRestOfTheClosingText() {
        AnswerGuard g = guard(Phase.THINKING, 24, "Answer:");
        Control c = new Control();
        Drive.accept(g, STEP, A, false, c);
        Drive.accept(g, STEP, NL, true, c);    // the cut's "\n" ...
        Drive.accept(g, STEP, CLOSE, true, c); // ... and its </think>; "\n\n" is still queued in the loop
        assertEquals(Arrays.stream(TOK.encode("Answer:", true)).boxed().toList(), c.inserted, "queued after what the method queued");
        assertTrue(g.prefixInserted());
        assertEquals(Boolean.FALSE, g.closedAtLineEnd(), "the model's last thinking token was mid-line: a cut thought");
    }

    @Test
    void aCloseTheModelChoseGetsNothingAndALineEndIsNoted() {
        AnswerGuard g = guard(Phase.THINKING, 24, "Answer:");
        Control c = new Control();
        Drive.accept(g, STEP, A, false, c);
        Drive.accept(g, STEP, NL, false, c);
        Drive.accept(g, STEP, CLOSE, false, c);
        assertTrue(c.inserted.isEmpty(), "the model writes its own answer");
        assertEquals(Boolean.TRUE, g.closedAtLineEnd());
    }

    @Test
    void aPromptThatClosedTheThinkingStartsTheAnswerWithThePrefix() {
        AnswerGuard g = guard(Phase.ANSWER, 24, "Answer:");
        Control c = new Control();
        Drive.begin(g, c);
        assertEquals(Arrays.stream(TOK.encode("Answer:", true)).boxed().toList(), c.inserted);
        assertNull(g.closedAtLineEnd(), "no close while decoding");
        AnswerGuard none = guard(Phase.ANSWER, 24, null);
        Control c2 = new Control();
        Drive.begin(none, c2);
        assertTrue(c2.inserted.isEmpty(), "a family without an answer prefix gets nothing");
    }

    @Test
    void aCapBelowOneIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> guard(Phase.THINKING, 0, null));
    }
}
