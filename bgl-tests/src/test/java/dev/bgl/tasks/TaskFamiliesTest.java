package dev.bgl.tasks;

import dev.bgl.train.TrainingData;

import dev.bgl.tokenizer.ByteLevelVocab;
import dev.bgl.tokenizer.Tokenizer;
import dev.bgl.util.BglException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** Every family's problems: answers recomputed independently, trace arithmetic re-checked, lengths. */
class TaskFamiliesTest {
    static final Tokenizer TOK = Tokenizer.of(ByteLevelVocab.spec());
    static final int PER_DIFFICULTY = 40;

    /** PER_DIFFICULTY problems at each difficulty of each family. */
    static List<Problem> allProblems() {
        List<Problem> out = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(42);
        for (TaskFamily f : TaskFamily.all())
            for (int d = f.minDifficulty(); d <= f.maxDifficulty(); d++)
                for (int i = 0; i < PER_DIFFICULTY; i++) out.add(f.generate(rnd, d));
        return out;
    }

    /** The answer computed from the question text alone, without any generator code. */
    static String independentAnswer(Problem p) {
        String q = p.question();
        switch (p.family()) {
            case "sum" -> {
                String body = q.substring("Add: ".length());
                return Long.toString(Arrays.stream(body.split("\\+")).mapToLong(Long::parseLong).sum());
            }
            case "mul" -> {
                String[] ab = q.substring("Multiply: ".length()).split("\\*");
                return new java.math.BigInteger(ab[0]).multiply(new java.math.BigInteger(ab[1])).toString();
            }
            case "linear" -> {
                String[] eq = q.substring("Solve for x: ".length()).split("=");
                long rhs = Long.parseLong(eq[1]);
                List<Long> roots = new ArrayList<>();
                for (long x = -1000; x <= 1000; x++) if (Long.valueOf(rhs).equals(Arith.eval(eq[0], x))) roots.add(x);
                assertEquals(1, roots.size(), "equation " + q + " must have exactly one integer root, has " + roots);
                return Long.toString(roots.getFirst());
            }
            case "count" -> {
                Matcher m = Pattern.compile("Count the vowels in \"([a-z]+)\"").matcher(q);
                assertTrue(m.matches(), q);
                return Long.toString(m.group(1).chars().filter(c -> "aeiou".indexOf(c) >= 0).count());
            }
            default -> throw new AssertionError("no independent check for family " + p.family());
        }
    }

    @Test
    void answersMatchAnIndependentComputation() {
        for (Problem p : allProblems()) assertEquals(independentAnswer(p), p.answer(), p.question());
    }

    @Test
    void everyWrittenCalculationIsRightExceptAnAnnouncedSlip() {
        int slips = 0, verified = 0;
        for (Problem p : allProblems()) {
            for (Solution s : p.solutions()) {
                String[] lines = s.thinking().split("\n");
                int wrongLines = 0;
                for (int i = 0; i < lines.length; i++) {
                    List<String> wrong = Arith.wrongClauses(lines[i]);
                    if (wrong.isEmpty()) continue;
                    wrongLines++;
                    assertEquals(Style.VERIFIED, s.style(), () -> "wrong arithmetic " + wrong + " in\n" + s.thinking());
                    assertTrue(i + 1 < lines.length && lines[i + 1].startsWith("wait, "),
                            () -> "slip not corrected on the next line:\n" + s.thinking());
                }
                assertTrue(wrongLines <= 1, () -> "more than one slip:\n" + s.thinking());
                if (s.style() == Style.VERIFIED) {
                    verified++;
                    if (s.thinking().contains("wait, ")) {
                        slips++;
                        assertEquals(1, wrongLines, () -> "a 'wait' must follow a wrong line:\n" + s.thinking());
                    }
                } else assertFalse(s.thinking().contains("wait"), s.thinking());
            }
        }
        double rate = (double) slips / verified;
        assertTrue(rate > 0.08 && rate < 0.22, "slip rate " + rate);
    }

    @Test
    void sumRunningTotalsAddTheQuestionsNumbersInOrder() {
        for (Problem p : allProblems()) {
            if (!p.family().equals("sum")) continue;
            long[] xs = Arrays.stream(p.question().substring(5).split("\\+")).mapToLong(Long::parseLong).toArray();
            String[] lines = p.solution(Style.COMPACT).thinking().split("\n");
            assertEquals(xs.length - 1, lines.length, p.question());
            long total = xs[0];
            for (int i = 0; i < lines.length; i++) {
                Matcher m = Pattern.compile("(?:(\\d+))?\\+(\\d+)=(\\d+)").matcher(lines[i]);
                assertTrue(m.matches(), lines[i]);
                if (i == 0) assertEquals(xs[0], Long.parseLong(m.group(1)));
                assertEquals(xs[i + 1], Long.parseLong(m.group(2)), p.question());
                total += xs[i + 1];
                assertEquals(total, Long.parseLong(m.group(3)), p.question());
            }
        }
    }

    @Test
    void mulPartialProductsGrowByOneDigitTowardsTheProduct() {
        for (Problem p : allProblems()) {
            if (!p.family().equals("mul")) continue;
            for (Solution s : p.solutions()) {
                if (s.style() == Style.EARLY) continue; // cut short: its partials stop before the product
                String main = s.thinking().split("\ncheck:\n")[0];
                List<String> partials = new ArrayList<>();
                Matcher m = Pattern.compile(">(\\d+)$", Pattern.MULTILINE).matcher(main);
                while (m.find()) partials.add(m.group(1));
                assertFalse(partials.isEmpty(), main);
                for (int i = 0; i < partials.size(); i++) {
                    String part = partials.get(i);
                    assertEquals(Long.parseLong(p.answer()) % pow10(part.length()), Long.parseLong(part),
                            part + " is not the low digits of " + p.answer());
                    if (i > 0) assertTrue(part.length() > partials.get(i - 1).length(), main);
                }
                assertEquals(p.answer(), partials.getLast(), main);
            }
        }
    }

    private static long pow10(int n) {
        long r = 1;
        for (int i = 0; i < n; i++) r *= 10;
        return r;
    }

    @Test
    void countCompactTraceReadsTheStringLetterByLetter() {
        for (Problem p : allProblems()) {
            if (!p.family().equals("count")) continue;
            Matcher q = Pattern.compile("Count the vowels in \"([a-z]+)\"").matcher(p.question());
            assertTrue(q.matches());
            String thinking = p.solution(Style.COMPACT).thinking();
            String text = q.group(1);
            String[] lines = thinking.split("\n");
            assertEquals((text.length() + CountTask.LETTERS_PER_LINE - 1) / CountTask.LETTERS_PER_LINE, lines.length, "three letters a line: " + thinking);
            for (int l = 0; l < lines.length; l++)
                assertEquals(l < lines.length - 1 ? CountTask.LETTERS_PER_LINE : text.length() - l * CountTask.LETTERS_PER_LINE,
                        lines[l].split(",").length, "line " + l + " of " + thinking);
            String[] items = thinking.split("[,\n]");
            assertEquals(text.length(), items.length, p.question());
            int count = 0;
            for (int i = 0; i < items.length; i++) {
                if ("aeiou".indexOf(text.charAt(i)) >= 0) count++;
                assertEquals(text.charAt(i) + "" + count, items[i], p.question());
            }
        }
    }

    @Test
    void everyFullThinkingEndsWithTheAnswer() {
        for (Problem p : allProblems())
            for (Solution s : p.solutions())
                if (s.style() != Style.EARLY) assertTrue(Pattern.compile("(^|[^0-9])" + Pattern.quote(p.answer()) + "$").matcher(s.thinking()).find(),
                        () -> s.style() + " of '" + p.question() + "' does not end with " + p.answer() + ":\n" + s.thinking());
    }

    /**
     * Cutting a COMPACT or DETAILED thinking at half its tokens must almost always leave a state whose
     * last number is not yet the answer: the answer is only reachable by finishing the steps. (Sum and
     * mul never; count and linear can by chance: no vowel in the second half, or an
     * intermediate value equal to x.) VERIFIED is exempt: its first pass ends on the answer by design.
     */
    @Test
    void halfAThinkingRarelyEndsOnTheAnswer() {
        int n = 0, early = 0;
        Pattern lastNumber = Pattern.compile("(\\d+)\\D*$");
        for (Problem p : allProblems()) {
            if (p.difficulty() < 3) continue;
            for (Style st : List.of(Style.COMPACT, Style.DETAILED)) {
                int[] ids = TOK.encode(p.solution(st).thinking(), true);
                String half = TOK.decode(Arrays.copyOf(ids, ids.length / 2));
                Matcher m = lastNumber.matcher(half);
                n++;
                if (m.find() && m.group(1).equals(p.answer())) {
                    early++;
                    assertTrue(p.family().equals("count") || p.family().equals("linear"), st + " half of " + p.question() + ": " + half);
                }
            }
        }
        assertTrue(early < 0.06 * n, early + " of " + n + " half-traces already end on the answer");
    }

    @Test
    void thinkingGrowsWithDifficultyInEveryFamilyAndStyle() {
        List<Problem> all = allProblems();
        for (TaskFamily f : TaskFamily.all())
            for (Style st : List.of(Style.COMPACT, Style.DETAILED, Style.VERIFIED)) { // EARLY: a cut of a few steps
                int n = f.maxDifficulty() - f.minDifficulty() + 1;
                double[] d = new double[n], mean = new double[n];
                for (int i = 0; i < n; i++) {
                    int diff = f.minDifficulty() + i;
                    d[i] = diff;
                    mean[i] = all.stream().filter(p -> p.family().equals(f.name()) && p.difficulty() == diff)
                            .mapToInt(p -> TrainingData.thinkingTokens(TOK, p.solution(st))).average().orElseThrow();
                }
                double rho = Ranks.spearman(d, mean);
                assertTrue(rho >= 0.8, f.name() + "/" + st + ": spearman " + rho + " means " + Arrays.toString(mean));
            }
    }

    @Test
    void stylesOrderByLength() {
        for (Problem p : allProblems()) {
            int c = TrainingData.thinkingTokens(TOK, p.solution(Style.COMPACT));
            int d = TrainingData.thinkingTokens(TOK, p.solution(Style.DETAILED));
            int v = TrainingData.thinkingTokens(TOK, p.solution(Style.VERIFIED));
            assertTrue(c <= d && d < v, p.question() + ": " + c + " / " + d + " / " + v);
        }
    }

    @Test
    void tokenLengthsStayWithinBounds() {
        for (Problem p : allProblems()) {
            int q = TOK.encode(p.question(), true).length;
            assertTrue(q < 60, p.question() + ": " + q + " tokens");
            for (Solution s : p.solutions()) {
                int n = TrainingData.thinkingTokens(TOK, s);
                assertTrue(n >= (s.style() == Style.EARLY ? 1 : 5) && n <= 280, s.style() + " of " + p.question() + ": " + n + " thinking tokens");
            }
        }
    }

    /**
     * EARLY is COMPACT's first k of n steps (its lines; a one-line trace's comma items), 1 <= k < n, so it is
     * shorter and a prefix cut on a step boundary; its completion still ends with the right answer.
     * The cut follows a truncated geometric law: a long trace stops after its first step with chance h/(1-(1-h)^(n-1)),
     * and the chance of stopping after a step the trace reached is what that law gives (EARLY_STOP_HAZARD, raised
     * where short traces must stop at their last cut).
     */
    @Test
    void earlyStopIsACompactPrefixCutOnAStepBoundary() {
        int longOnes = 0, afterOne = 0, reached = 0, stopped = 0;
        double h = Traces.EARLY_STOP_HAZARD, expectAfterOne = 0, expectReached = 0;
        for (Problem p : allProblems()) {
            String c = p.solution(Style.COMPACT).thinking(), e = p.solution(Style.EARLY).thinking();
            String sep = c.contains("\n") ? "\n" : ",";
            String[] steps = c.split(Pattern.quote(sep)), kept = e.split(Pattern.quote(sep));
            if (steps.length == 1) {
                assertEquals(c, e, "a one-step trace cannot be cut");
                continue;
            }
            assertTrue(kept.length >= 1 && kept.length < steps.length, p.question() + ": " + e + " vs " + c);
            assertEquals(String.join(sep, Arrays.copyOf(steps, kept.length)), e, "not a prefix of whole steps: " + c);
            assertTrue(TrainingData.thinkingTokens(TOK, p.solution(Style.EARLY)) < TrainingData.thinkingTokens(TOK, p.solution(Style.COMPACT)));
            assertTrue(TraceFormat.completion(p, p.solution(Style.EARLY)).endsWith("</think>\n\nAnswer: " + p.answer() + "<|im_end|>"));
            if (steps.length >= 8) {
                longOnes++;
                if (kept.length == 1) afterOne++;
                expectAfterOne += h / (1 - Math.pow(1 - h, steps.length - 1)); // truncated to 1..n-1
            }
            reached += kept.length; // the steps the trace reached, each a chance to stop
            stopped++;
            double norm = 0, mean = 0; // E[k] for P(k) ∝ h(1-h)^(k-1), k = 1..n-1
            for (int k = 1; k < steps.length; k++) {
                double pk = h * Math.pow(1 - h, k - 1);
                norm += pk;
                mean += k * pk;
            }
            expectReached += mean / norm;
        }
        assertEquals(expectAfterOne / longOnes, (double) afterOne / longOnes, 0.06, afterOne + " of " + longOnes);
        double hazard = (double) stopped / reached, expected = stopped / expectReached;
        assertTrue(expected > h, "short traces stop at their last cut: " + expected);
        assertEquals(expected, hazard, 0.1 * expected, "hazard " + hazard + " against the law's " + expected);
    }

    @Test
    void earlyCutOfAOneStepTraceIsTheTraceAndCutsAreDeterministicBySeed() {
        assertEquals("1+9=10", Traces.cutEarly("1+9=10", new SplittableRandom(1)));
        assertEquals("a1", Traces.cutEarly("a1,b1", new SplittableRandom(1)));
        String c = "1+2=3\n+3=6\n+4=10\n+5=15\n+6=21\n+7=28";
        for (long seed = 0; seed < 20; seed++)
            assertEquals(Traces.cutEarly(c, new SplittableRandom(seed)), Traces.cutEarly(c, new SplittableRandom(seed)));
    }

    @Test
    void sameRandomStateGivesTheSameProblem() {
        for (TaskFamily f : TaskFamily.all())
            for (int d = f.minDifficulty(); d <= f.maxDifficulty(); d++)
                assertEquals(f.generate(new SplittableRandom(d * 31L), d), f.generate(new SplittableRandom(d * 31L), d));
    }

    @Test
    void badDifficultyOrNameIsAUserError() {
        for (TaskFamily f : TaskFamily.all()) {
            var e = assertThrows(BglException.class, () -> f.generate(new SplittableRandom(1), f.maxDifficulty() + 1));
            assertTrue(e.getMessage().contains(f.name()), e.getMessage());
            assertThrows(BglException.class, () -> f.generate(new SplittableRandom(1), 0));
        }
        assertEquals("mul", TaskFamily.named("mul").name());
        assertThrows(BglException.class, () -> TaskFamily.named("nope"));
    }
}
