package dev.bgl.eval;

import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class AnswerCheckerTest {
    @Test
    void dispatchByName() {
        for (String name : AnswerChecker.NAMES) assertEquals(name, AnswerChecker.of(name).name());
        assertInstanceOf(MathChecker.class, AnswerChecker.of("math"));
        assertInstanceOf(NumberChecker.class, AnswerChecker.of("number"));
        assertInstanceOf(ChoiceChecker.class, AnswerChecker.of("choice"));
        assertInstanceOf(ExactChecker.class, AnswerChecker.of("exact"));
        BglException e = assertThrows(BglException.class, () -> AnswerChecker.of("fuzzy"));
        assertTrue(e.getMessage().contains("fuzzy"), e.getMessage());
    }

    @Test
    void numberChecker() {
        AnswerChecker c = AnswerChecker.of("number");
        assertEquals(Optional.of("18"), c.extract("The answer is 18 eggs."));
        assertTrue(c.check("The answer is 18 eggs.", "18"));
        assertTrue(c.check("so $\\boxed{18.00}$", "18"));
        assertTrue(c.check("so $\\boxed{\\$18}$", "18"));
        assertTrue(c.check("\\boxed{1,000}", "1000"));
        assertTrue(c.check("\\boxed{025}", "25"));
        assertTrue(c.check("\\boxed{\\frac{54}{2}}", "27"));
        assertFalse(c.check("\\boxed{17}", "18"));
        assertFalse(c.check("I do not know", "18"));
        assertFalse(c.check("", "18"));
    }

    @Test
    void mathChecker() {
        AnswerChecker c = AnswerChecker.of("math");
        assertTrue(c.check("Thus $\\boxed{\\dfrac{1}{2}}$.", "0.5"));
        assertTrue(c.check("Final Answer: The final answer is $\\frac{3}{4}$. I hope it is correct.", "\\frac34"));
        assertFalse(c.check("Thus $\\boxed{\\dfrac{1}{3}}$.", "0.5"));
    }

    @Test
    void choiceChecker() {
        AnswerChecker c = AnswerChecker.of("choice");
        assertEquals(Optional.of("B"), c.extract("Therefore the answer is (B)."));
        assertEquals(Optional.of("C"), c.extract("$\\boxed{C}$"));
        assertEquals(Optional.of("D"), c.extract("$\\boxed{\\text{(D)}}$"));
        assertEquals(Optional.of("E"), c.extract("\\boxed{(E) 42}"));
        assertEquals(Optional.of("C"), c.extract("(A) is wrong and (C) is right"));
        assertEquals(Optional.empty(), c.extract("no letter at all"));
        assertTrue(c.equivalent("C", "(C)"));
        assertTrue(c.equivalent("c", "\\text{(C)}"));
        assertFalse(c.equivalent("C", "D"));
        assertFalse(c.equivalent("", "D"));
        assertTrue(c.check("The answer is **(A)**", "A"));
    }

    @Test
    void exactChecker() {
        AnswerChecker c = AnswerChecker.of("exact");
        assertTrue(c.equivalent("  $Paris$ ", "Paris"));
        assertTrue(c.equivalent("New   York", "New York"));
        assertFalse(c.equivalent("paris", "Paris"));
        assertFalse(c.equivalent("", ""));
        assertTrue(c.check("The answer is Paris.", "Paris"));
    }
}
