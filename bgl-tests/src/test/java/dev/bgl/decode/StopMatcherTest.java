package dev.bgl.decode;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class StopMatcherTest {
    @Test
    void holdsBackAPossibleStopUntilItResolves() {
        StopMatcher m = new StopMatcher(List.of("</answer>"));
        assertEquals("The", m.push("The"));
        assertEquals(" result ", m.push(" result </"));   // "</" may start the stop string
        assertEquals("", m.push("ans"));
        assertNull(m.matched());
        assertEquals("</ansx", m.push("x"));            // "</ansx" can no longer match
        assertEquals("42", m.push("42</ans") + m.push("wer> tail"));
        assertEquals("</answer>", m.matched());
    }

    @Test
    void earliestOfSeveralStopsWinsAndFlushReleasesTheRest() {
        StopMatcher m = new StopMatcher(List.of("STOP", "\n\n"));
        assertEquals("a", m.push("a\n\nb STOP"));
        assertEquals("\n\n", m.matched());
        StopMatcher n = new StopMatcher(List.of("STOP"));
        assertEquals("x ", n.push("x ST"));
        assertEquals("STO", n.flush("O"));
        assertNull(n.matched());
    }
}
