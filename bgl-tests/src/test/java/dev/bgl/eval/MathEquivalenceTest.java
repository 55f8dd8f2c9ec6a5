package dev.bgl.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.*;

/** Hand-written pairs for each normalisation and equivalence rule, both ways, with cases that must stay different. */
class MathEquivalenceTest {
    private static final AnswerChecker MATH = AnswerChecker.of("math");

    @ParameterizedTest(name = "{0} == {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            \\frac{1}{2}            | 0.5
            0.5                     | 1/2
            \\frac{1}{2}            | 1/2
            \\dfrac{3}{4}           | \\frac34
            \\tfrac{3}{4}           | 0.75
            \\frac 59               | \\frac{5}{9}
            \\frac{270}7            | \\frac{270}{7}
            10\\%                   | 10
            10%                     | 10
            5\\text{ cm}            | 5
            864 \\mbox{ inches}^2   | 864
            15\\mbox{ cm}^2         | 15
            5.4 \\text{ cents}      | 5.4
            18 dollars              | 18
            12 square feet          | 12
            90^\\circ               | 90
            90^{\\circ}             | 90
            90 degrees              | 90
            \\frac{270}7\\text{ degrees} | \\frac{270}{7}
            x=3                     | 3
            k = 3                   | 3
            y = 2x + 3              | 2x+3
            1,000                   | 1000
            "10,\\!080"             | 10080
            "11,\\! 111,\\! 111,\\! 100" | 11111111100
            "\\$32,\\!348"          | 32348
            \\$18.90                | 18.9
            2.50                    | 2.5
            3.0                     | 3
            .0000672                | 0.0000672
            -0.0                    | 0
            \\sqrt{8}               | 2\\sqrt{2}
            \\sqrt2                 | \\sqrt{2}
            11\\sqrt2               | 11\\sqrt{2}
            \\frac{\\sqrt{3}}{3}    | \\frac{1}{\\sqrt3}
            \\pi                    | 3.14159
            288 \\pi                | 904.7787
            -\\frac{\\pi}{6}        | -0.5235988
            2^{10}                  | 1024
            3 \\cdot 4              | 12
            6 \\times 7             | 42
            \\binom{5}{2}           | 10
            5!                      | 120
            \\sqrt[3]{27}           | 3
            1\\frac{4}{5}           | \\frac{9}{5}
            137 \\frac{1}{2}        | 137.5
            $\\frac{1}{2}$          | 0.5
            \\boxed{7}              | 7
            \\left( 3, \\frac{\\pi}{2} \\right) | (3,\\frac{\\pi}{2})
            "(3, \\pi/2)"           | \\left( 3, \\frac{\\pi}{2} \\right)
            "(1,2]"                 | "(1, 2]"
            "[-\\infty, 3)"         | "[-\\infty,3)"
            "(-\\infty, 0]"         | "(-inf, 0]"
            "\\{1,2\\}"             | "\\{2,1\\}"
            "3, 5, 7"               | "7, 5, 3"
            "3, 5, 7"               | "\\{3,5,7\\}"
            "1 \\pm \\sqrt{19}"     | "1+\\sqrt{19}, 1-\\sqrt{19}"
            "\\{1\\pm\\sqrt{5},-2\\}" | "-2, 1-\\sqrt{5}, 1+\\sqrt{5}"
            "(0,9) \\cup (9,36)"    | "(9,36) \\cup (0,9)"
            C                       | (C)
            \\text{(C)}             | C
            (c)                     | C
            \\textbf{(B)}           | (B)
            \\text{Evelyn}          | Evelyn
            \\text{east}            | East
            2k+2                    | 2(k+1)
            p - q                   | -q + p
            (a+5)(b+2)              | ab + 2a + 5b + 10
            x^5 - x^4 + x^3 - x^2 + x - 1 | (x-1)(x^4+x^2+1)
            6 - 5i                  | -5i + 6
            \\cot x                 | \\frac{\\cos x}{\\sin x}
            5x - 7y + 11z + 4 = 0   | -10x + 14y - 22z - 8 = 0
            x \\in [-2,7]           | [-2,7]
            \\begin{pmatrix} -1/3 \\\\ 2/3 \\\\ 5/3 \\end{pmatrix} | \\begin{pmatrix} -\\frac{1}{3} \\\\ \\frac{2}{3} \\\\ \\frac{5}{3} \\end{pmatrix}
            \\begin{pmatrix} -1 & 0 \\\\ 0 & -1 \\end{pmatrix} | \\begin{bmatrix} -1 & 0 \\\\ 0 & -1 \\end{bmatrix}
            52_{8}                  | 52_8
            "1,-2"                  | "-2, 1"
            \\boxed{x = 5}         | 5
            \\text{Even}           | even
            "(-\\infty, 2) \\cup (3, \\infty)" | "(-\\infty,2)\\cup(3,\\infty)"
            \\infty                 | infinity
            """)
    void equivalent(String a, String b) {
        assertTrue(MATH.equivalent(a, b), a + " should equal " + b);
        assertTrue(MATH.equivalent(b, a), b + " should equal " + a + " (symmetry)");
    }

    @ParameterizedTest(name = "{0} != {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            3                       | 4
            "(1,2)"                 | "(2,1)"
            "(1,2)"                 | "[1,2]"
            "(1,2]"                 | "(1,2)"
            "\\{1,2\\}"             | "\\{1,3\\}"
            "\\{1,2\\}"             | "\\{1,2,3\\}"
            "1, 2"                  | "(1,2)"
            27647                   | 27648
            0.333                   | \\frac{1}{3}
            \\sqrt{8}               | 2\\sqrt{3}
            \\pi                    | 3.14
            C                       | D
            (C)                     | B
            -5                      | 5
            \\frac{1}{2}            | \\frac{2}{1}
            2k+2                    | 2k+1
            x^2                     | x^3
            6 - 5i                  | 6 + 5i
            \\text{even}            | \\text{neve}
            \\text{Evelyn}          | \\text{Navin}
            52_8                    | 52_9
            1 \\pm \\sqrt{19}       | 1+\\sqrt{19}
            "(0,9) \\cup (9,36)"    | "(0,9) \\cup (9,37)"
            \\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix} | \\begin{pmatrix} 2 \\\\ 1 \\end{pmatrix}
            5x - 7y + 11z + 4 = 0   | 5x - 7y + 11z - 4 = 0
            0                       | 0.00001
            1000                    | 100
            x                       | X
            \\frac{448}{15626}     | \\frac{448}{15625}
            \\frac{20001}{\\pi}   | \\frac{20000}{\\pi}
            10                      | 0.1
            """)
    void different(String a, String b) {
        assertFalse(MATH.equivalent(a, b), a + " should differ from " + b);
        assertFalse(MATH.equivalent(b, a), b + " should differ from " + a + " (symmetry)");
    }

    @Test
    void blankAndNullAreNeverEquivalent() {
        assertFalse(MATH.equivalent("", ""));
        assertFalse(MATH.equivalent(null, "1"));
        assertFalse(MATH.equivalent("1", "  "));
    }

    @Test
    void garbageDoesNotThrow() {
        for (String s : new String[]{"\\frac{", "}{", "\\sqrt", "((((", "\\begin{pmatrix}", "1/0", "0^{-1}", "\\left(", "^^", "\\\\", "$", "{}", "\\boxed{"})
            assertDoesNotThrow(() -> MATH.equivalent(s, "1"), s);
        assertFalse(MATH.equivalent("1/0", "\\infty"), "division by zero is not infinity");
        String deep = "(".repeat(1500) + "1" + ")".repeat(1500);
        assertDoesNotThrow(() -> MATH.equivalent(deep, "1"));
        String deepFrac = "\\frac{1}{".repeat(150) + "2" + "}".repeat(150);
        assertDoesNotThrow(() -> MATH.equivalent(deepFrac, "1"));
        assertDoesNotThrow(() -> AnswerChecker.of("math").check("\\boxed{" + "{".repeat(5000), "1"));
    }

    @Test
    void normalizerCanonicalForms() {
        assertEquals("\\frac{1}{2}", MathNormalizer.normalize("\\dfrac12"));
        assertEquals("\\sqrt{2}", MathNormalizer.normalize("\\sqrt2"));
        assertEquals("\\frac{3}{4}", MathNormalizer.normalize("3/4"));
        assertEquals("2.5", MathNormalizer.normalize("2.50"));
        assertEquals("1000", MathNormalizer.normalize("1,000"));
        assertEquals("(3,\\frac{\\pi}{2})", MathNormalizer.normalize("\\left( 3, \\frac{\\pi}{2} \\right)"));
        assertEquals("C", MathNormalizer.normalize("\\text{(C)}"));
        assertEquals("5", MathNormalizer.normalize("$x = 5$"));
    }
}
