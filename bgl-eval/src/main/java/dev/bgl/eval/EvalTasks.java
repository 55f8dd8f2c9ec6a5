package dev.bgl.eval;

import dev.bgl.tasks.Curriculum;
import dev.bgl.tasks.FamilyWeight;
import dev.bgl.tasks.Problem;
import dev.bgl.tasks.Split;
import dev.bgl.tasks.TaskFamily;
import dev.bgl.tasks.TraceFormat;
import dev.bgl.util.BglException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The problems an evaluation runs and how their answers are judged, from a task spec:
 * <ul>
 *   <li>{@code synthetic} or {@code synthetic:sum,mul}: held-out (TEST split) curriculum problems of the
 *       default model's families, drawn deterministically from the seed; judged as the trainer does
 *       ({@link TraceFormat}: "Answer: N" after {@code </think>}, exact text)</li>
 *   <li>{@code gsm8k:PATH}, {@code math500:PATH}, {@code aime:PATH}, {@code amc:PATH}, {@code jsonl:PATH}
 *       (generic), or a bare PATH (format detected): a benchmark JSONL file ({@link TaskLoader}), judged by each
 *       problem's {@link AnswerChecker} on the answer text</li>
 * </ul>
 *
 * @param problems the first n problems (all when n = 0)
 * @param grader   how an answer is judged
 */
public record EvalTasks(String spec, List<EvalProblem> problems, Grader grader, int skippedLines) {

    /** The judged answer: whether it is right, and what was extracted (null when nothing was). */
    public record Graded(boolean correct, String extracted) {
    }

    /** Judges the text a model wrote after its thinking. */
    @FunctionalInterface
    public interface Grader {
        Graded grade(EvalProblem problem, String answerText, boolean thinkingClosed);
    }

    /** Each problem's own checker on the answer text. */
    public static final Grader CHECKER = (p, answer, closed) -> {
        AnswerChecker c = p.answerChecker();
        Optional<String> x = c.extract(answer);
        return new Graded(x.map(v -> c.equivalent(v, p.answer())).orElse(false), x.orElse(null));
    };

    /** The curriculum's rule: "Answer: N" after a closed thinking, equal to the gold text. */
    public static final Grader TRACE_FORMAT = (p, answer, closed) -> {
        Optional<String> x = closed ? TraceFormat.answerIn(answer) : Optional.empty();
        return new Graded(x.map(p.answer()::equals).orElse(false), x.orElse(null));
    };

    public EvalTasks {
        problems = List.copyOf(problems);
        if (problems.isEmpty()) throw new BglException("task set " + spec + " holds no problems");
    }

    public int size() {
        return problems.size();
    }

    /**
     * @param n         how many problems (the first n of a file; n drawn for synthetic); 0 = all of a file
     * @param seed      draws the synthetic problems
     * @param onBadLine what a malformed line of a task file does
     */
    public static EvalTasks load(String spec, int n, long seed, TaskLoader.OnBadLine onBadLine) {
        if (spec == null || spec.isBlank()) throw new BglException("no --tasks given (synthetic, synthetic:sum,mul, gsm8k:PATH, math500:PATH, aime:PATH, jsonl:PATH or a .jsonl path)");
        if (n < 0) throw new BglException("--n must be >= 0, got " + n);
        String s = spec.strip();
        if (s.equals("synthetic") || s.startsWith("synthetic:")) return synthetic(s, n == 0 ? 100 : n, seed);
        int colon = s.indexOf(':');
        TaskFormat format = null;
        String path = s;
        // "gsm8k:PATH"; a Windows drive letter ("C:\...") or a path with a colon later is left alone
        if (colon > 1 && !s.substring(0, colon).contains("/")) {
            String prefix = s.substring(0, colon);
            format = prefix.equalsIgnoreCase("jsonl") ? TaskFormat.GENERIC : TaskFormat.parse(prefix);
            path = s.substring(colon + 1);
            if (path.isBlank()) throw new BglException("task spec '" + spec + "' names no file after '" + prefix + ":'");
        }
        TaskSet set = TaskLoader.load(Path.of(path), format, onBadLine);
        List<EvalProblem> ps = n == 0 || n >= set.size() ? set.problems() : set.problems().subList(0, n);
        return new EvalTasks(spec, ps, CHECKER, set.skippedLines());
    }

    static EvalTasks synthetic(String spec, int n, long seed) {
        Curriculum c = Curriculum.defaults();
        if (spec.startsWith("synthetic:")) {
            List<FamilyWeight> fams = new ArrayList<>();
            for (String name : spec.substring("synthetic:".length()).split(",")) {
                if (name.isBlank()) continue;
                TaskFamily f = TaskFamily.named(name.strip());
                if (fams.stream().noneMatch(w -> w.family().name().equals(f.name()))) fams.add(new FamilyWeight(f, 1));
            }
            if (fams.isEmpty()) throw new BglException("task spec '" + spec + "' names no families (known: "
                    + String.join(", ", TaskFamily.all().stream().map(TaskFamily::name).toList()) + ")");
            c = c.withFamilies(fams);
        }
        List<Problem> sample = c.sample(seed, n, Split.TEST);
        List<EvalProblem> out = new ArrayList<>(n);
        for (int i = 0; i < sample.size(); i++) {
            Problem p = sample.get(i);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("family", p.family());
            meta.put("difficulty", String.valueOf(p.difficulty()));
            out.add(new EvalProblem("syn-" + i + "-" + p.family() + "-d" + p.difficulty(), p.question(), p.answer(), "exact", meta));
        }
        return new EvalTasks(spec, out, TRACE_FORMAT, 0);
    }
}
