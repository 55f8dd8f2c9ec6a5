package dev.bgl.budget;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class AnswerPhaseTest {
    @Test
    void anAnswerOverrunsWhenCappedPastItsCapOrWithAMarkerAfterTheClose() {
        assertFalse(new AnswerPhase(24, false, false, true).overrun(12));
        assertTrue(new AnswerPhase(24, true, false, true).overrun(24), "capped: the answer did not end");
        assertTrue(new AnswerPhase(24, false, true, null).overrun(12), "a thinking marker after the close");
        assertTrue(new AnswerPhase(24, false, false, null).overrun(25), "past the cap without a guard to stop it");
        assertEquals(5, new AnswerPhase(24, false, false, null).overrunTokens(29));
        assertFalse(AnswerPhase.UNCHECKED.overrun(100_000));
    }
}
