package dev.bgl.eval;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class AnswerExtractorTest {
    private static Optional<String> x(String s) {
        return AnswerExtractor.extract(s);
    }

    @Test
    void lastBoxedWithNestedBraces() {
        assertEquals(Optional.of("\\frac{a}{\\sqrt{b}}"), x("So we get $\\boxed{\\frac{a}{\\sqrt{b}}}$."));
        assertEquals(Optional.of("2"), x("First \\boxed{1}, then on reflection \\boxed{2}."));
        assertEquals(Optional.of("\\left( 3, \\frac{\\pi}{2} \\right)"), x("coordinates are $\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}.$"));
    }

    @Test
    void fboxFrameboxAndBraceLessForms() {
        assertEquals(Optional.of("3"), x("hence \\fbox{3}"));
        assertEquals(Optional.of("204"), x("or $\\framebox{204}$ minutes"));
        assertEquals(Optional.of("5"), x("The answer is $\\boxed 5$"));
        assertEquals(Optional.of("5"), x("so \\boxed 5."));
        assertEquals(Optional.of("7"), x("\\boxed{7} and \\fbox{8} but last \\boxed{7}"));
    }

    @Test
    void unbalancedLastBoxFallsBackToAnEarlierOne() {
        assertEquals(Optional.of("3"), x("\\boxed{3} and then the output was cut: \\boxed{\\frac{1}{"));
    }

    @Test
    void answerPhrases() {
        assertEquals(Optional.of("42"), x("Thinking... The answer is 42."));
        assertEquals(Optional.of("3.5"), x("so the final answer is 3.5."));
        assertEquals(Optional.of("x=3"), x("Answer: $x=3$ obviously"));
        assertEquals(Optional.of("1,234"), x("work\n#### 1,234"));
        assertEquals(Optional.of("(B)"), x("Answer: (B)\nsome trailing text"));
        assertEquals(Optional.of("12"), x("The answer is 7. Wait, no. The answer is 12."), "the last phrase wins");
    }

    @Test
    void finalNumberAsLastResort() {
        assertEquals(Optional.of("1500"), x("I think 12 or maybe 1,500 apples"));
        assertEquals(Optional.of("-3.25"), x("the result comes to -3.25"));
        assertEquals(Optional.empty(), x("no numbers here"));
        assertEquals(Optional.empty(), x(""));
        assertEquals(Optional.empty(), x(null));
    }

    @Test
    void boxPrefixOfAnotherCommandIsNotABox() {
        assertEquals(Optional.of("4"), x("\\boxedsomething 4"));
    }

    @Test
    void gsm8kGold() {
        assertEquals(Optional.of("18"), AnswerExtractor.gsm8kGold("She makes 9 * 2 = $<<9*2=18>>18.\n#### 18"));
        assertEquals(Optional.of("1000"), AnswerExtractor.gsm8kGold("so\n#### 1,000"));
        assertEquals(Optional.of("-5"), AnswerExtractor.gsm8kGold("so\n####-5  "));
        assertEquals(Optional.empty(), AnswerExtractor.gsm8kGold("no marker here"));
    }
}
