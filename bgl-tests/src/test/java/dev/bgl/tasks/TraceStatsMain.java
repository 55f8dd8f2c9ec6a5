package dev.bgl.tasks;

import dev.bgl.train.TrainingData;

import dev.bgl.tokenizer.ByteLevelVocab;
import dev.bgl.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/** Prints sample traces and thinking-length statistics of the default curriculum (for the report; not a test). */
public final class TraceStatsMain {
    static int percentile(int[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    }

    static String summary(List<Integer> xs) {
        int[] s = xs.stream().mapToInt(Integer::intValue).sorted().toArray();
        return String.format("n=%d mean=%.1f p10=%d p50=%d p90=%d max=%d", s.length, Arrays.stream(s).average().orElse(0),
                percentile(s, 0.1), percentile(s, 0.5), percentile(s, 0.9), s[s.length - 1]);
    }

    public static void main(String[] args) {
        Tokenizer tok = Tokenizer.of(ByteLevelVocab.spec());
        SplittableRandom rnd = new SplittableRandom(7);
        for (TaskFamily f : TaskFamily.all()) {
            for (int d : new int[]{f.minDifficulty(), (f.minDifficulty() + f.maxDifficulty()) / 2, f.maxDifficulty()}) {
                Problem p = f.generate(rnd, d);
                System.out.println("=== " + f.name() + " d=" + d + ": " + p.question() + " -> " + p.answer());
                for (Solution s : p.solutions())
                    System.out.println("--- " + s.style() + " (" + TrainingData.thinkingTokens(tok, s) + " tokens)\n" + s.thinking());
            }
        }
        Curriculum c = Curriculum.defaults();
        List<Problem> ps = c.sample(1, 4000);
        SplittableRandom styleRnd = new SplittableRandom(2);
        TreeMap<String, List<Integer>> byFamily = new TreeMap<>(), byStyle = new TreeMap<>(), byFamDiff = new TreeMap<>();
        List<Integer> all = new ArrayList<>(), ex = new ArrayList<>(), q = new ArrayList<>(), diffs = new ArrayList<>();
        for (Problem p : ps) {
            Solution s = p.solution(c.styles().pick(styleRnd));
            int n = TrainingData.thinkingTokens(tok, s);
            all.add(n);
            diffs.add(p.difficulty());
            byFamily.computeIfAbsent(p.family(), k -> new ArrayList<>()).add(n);
            byStyle.computeIfAbsent(s.style().name(), k -> new ArrayList<>()).add(n);
            for (Solution s2 : p.solutions())
                byFamDiff.computeIfAbsent(String.format("%s d=%02d %s", p.family(), p.difficulty(), s2.style()), k -> new ArrayList<>())
                        .add(TrainingData.thinkingTokens(tok, s2));
            ex.add(TrainingData.encode(tok, p, s).length());
            q.add(tok.encode(p.question(), true).length);
        }
        System.out.println("\n=== thinking tokens, default mix (4000 train problems, one style each)");
        byFamily.forEach((k, v) -> System.out.println("family " + k + ": " + summary(v)));
        byStyle.forEach((k, v) -> System.out.println("style " + k + ": " + summary(v)));
        System.out.println("all: " + summary(all));
        int[] s = all.stream().mapToInt(Integer::intValue).sorted().toArray();
        System.out.println("p90/p10 = " + (double) percentile(s, 0.9) / percentile(s, 0.1));
        System.out.printf("spearman(difficulty, thinking tokens) over the mix: %.3f%n", Ranks.spearman(
                diffs.stream().mapToDouble(Integer::doubleValue).toArray(), all.stream().mapToDouble(Integer::doubleValue).toArray()));
        for (String fam : byFamily.keySet()) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < ps.size(); i++) if (ps.get(i).family().equals(fam)) idx.add(i);
            System.out.printf("  spearman %s: %.3f%n", fam, Ranks.spearman(idx.stream().mapToDouble(i -> diffs.get(i)).toArray(),
                    idx.stream().mapToDouble(i -> all.get(i)).toArray()));
        }
        for (Style st : Style.values()) {
            double[] dd = ps.stream().mapToDouble(Problem::difficulty).toArray();
            double[] ll = ps.stream().mapToDouble(p -> TrainingData.thinkingTokens(tok, p.solution(st))).toArray();
            System.out.printf("  spearman over the mix, all %s: %.3f%n", st, Ranks.spearman(dd, ll));
        }
        System.out.println("tokens per example: " + summary(ex));
        System.out.println("question tokens: " + summary(q));
        if (args.length > 0) byFamDiff.forEach((k, v) -> System.out.println(k + ": " + summary(v)));
    }
}
