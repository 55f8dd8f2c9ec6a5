package dev.bgl.tasks;


import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.tokenizer.Tokenizer;
import dev.bgl.util.BglException;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What to train and evaluate on: a weighted family mix, a difficulty range (clamped to each
 * family's own), the style mix of training traces and the held-out fraction. All streams are
 * deterministic functions of the seed. Training streams skip TEST questions and evaluation streams
 * take only TEST ones ({@link Split}), so the two never share a question.
 *
 * @param minDifficulty lowest difficulty drawn (a family's own minimum wins if higher)
 * @param maxDifficulty highest difficulty drawn (a family's own maximum wins if lower)
 */
public record Curriculum(List<FamilyWeight> families, int minDifficulty, int maxDifficulty, StyleMix styles,
                         double testFraction) {
    /** Consecutive draws of the wrong split before giving up (the range holds almost no such questions). */
    private static final int MAX_MISSES = 100_000;

    public Curriculum {
        families = List.copyOf(families);
        if (families.isEmpty()) throw new BglException("curriculum: no task families");
        if (styles == null) throw new BglException("curriculum: style mix is missing");
        if (!(testFraction > 0 && testFraction < 1))
            throw new BglException("curriculum: test fraction must be in (0, 1), got " + testFraction);
        for (FamilyWeight fw : families)
            if (Math.max(minDifficulty, fw.family().minDifficulty()) > Math.min(maxDifficulty, fw.family().maxDifficulty()))
                throw new BglException("curriculum: family " + fw.family().name() + " has no difficulty in "
                        + minDifficulty + ".." + maxDifficulty + " (it has " + fw.family().minDifficulty() + ".."
                        + fw.family().maxDifficulty() + ")");
    }

    /** All families, equal weights, each over its full difficulty range; styles compact/detailed/verified 40/20/40 ({@link StyleMix#DEFAULT}); 10% held out. */
    public static Curriculum defaults() {
        return new Curriculum(TaskFamily.all().stream().map(f -> new FamilyWeight(f, 1)).toList(),
                1, Integer.MAX_VALUE, StyleMix.DEFAULT, 0.1);
    }

    public Curriculum withFamilies(List<FamilyWeight> f) {
        return new Curriculum(f, minDifficulty, maxDifficulty, styles, testFraction);
    }

    public Curriculum withDifficulty(int min, int max) {
        return new Curriculum(families, min, max, styles, testFraction);
    }

    public Curriculum withStyles(StyleMix s) {
        return new Curriculum(families, minDifficulty, maxDifficulty, s, testFraction);
    }

    public Split split(Problem p) {
        return Split.of(p.question(), testFraction);
    }

    /** An endless deterministic stream of problems of the given split. */
    public Iterator<Problem> problems(long seed, Split split) {
        return stream(seed, split);
    }

    /** The first n TRAIN problems of the stream for {@code seed}. */
    public List<Problem> sample(long seed, int n) {
        return sample(seed, n, Split.TRAIN);
    }

    public List<Problem> sample(long seed, int n, Split split) {
        if (n < 0) throw new BglException("curriculum: sample size must be >= 0, got " + n);
        Iterator<Problem> it = stream(seed, split);
        List<Problem> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(it.next());
        return out;
    }

    /** The default curriculum's first n problems of both splits, one JSON object per line. */
    public static void exportJsonl(Path out, long seed, int n) {
        defaults().writeJsonl(out, seed, n);
    }

    /**
     * n problems (both splits, each labelled) with all their styled traces:
     * {@code {family, difficulty, question, answer, split, solutions:[{style, thinking, text}]}}.
     */
    public void writeJsonl(Path out, long seed, int n) {
        if (n < 0) throw new BglException("curriculum: export size must be >= 0, got " + n);
        ObjectMapper json = new ObjectMapper();
        Iterator<Problem> it = stream(seed, null);
        try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            for (int i = 0; i < n; i++) {
                Problem p = it.next();
                ObjectNode o = json.createObjectNode();
                o.put("family", p.family());
                o.put("difficulty", p.difficulty());
                o.put("question", p.question());
                o.put("answer", p.answer());
                o.put("split", split(p).name().toLowerCase());
                ArrayNode sols = o.putArray("solutions");
                for (Solution s : p.solutions()) {
                    ObjectNode so = sols.addObject();
                    so.put("style", s.style().name().toLowerCase());
                    so.put("thinking", s.thinking());
                    so.put("text", TraceFormat.text(p, s));
                }
                w.write(json.writeValueAsString(o));
                w.write('\n');
            }
        } catch (IOException e) {
            throw new BglException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }

    /** Problems drawn family by weight, difficulty uniformly in range; those of the other split skipped (null: none). */
    /** Endless problems of a split (null: both), in the order a seed gives. */
    public Iterator<Problem> stream(long seed, Split split) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double total = families.stream().mapToDouble(FamilyWeight::weight).sum();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Problem next() {
                for (int miss = 0; miss < MAX_MISSES; miss++) {
                    TaskFamily f = pickFamily(rnd.nextDouble() * total);
                    int lo = Math.max(minDifficulty, f.minDifficulty()), hi = Math.min(maxDifficulty, f.maxDifficulty());
                    Problem p = f.generate(rnd, rnd.nextInt(lo, hi + 1));
                    if (split == null || split(p) == split) return p;
                }
                throw new BglException("curriculum: no " + split + " problem in " + MAX_MISSES + " draws (difficulty "
                        + minDifficulty + ".." + maxDifficulty + " holds too few distinct questions)");
            }
        };
    }

    private TaskFamily pickFamily(double u) {
        for (FamilyWeight fw : families) {
            if (u < fw.weight()) return fw.family();
            u -= fw.weight();
        }
        return families.getLast().family();
    }
}
