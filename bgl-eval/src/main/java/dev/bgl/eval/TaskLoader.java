package dev.bgl.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

/**
 * Reads a benchmark JSONL file (one JSON object a line; blank lines ignored) into {@link EvalProblem}s.
 * The format is given or detected from the fields of the first record. A bad line (malformed JSON, not an
 * object, missing or mistyped field) stops the load with a {@link TaskFileException} naming file and line,
 * or, with {@link OnBadLine#SKIP}, is skipped and counted in {@link TaskSet#skippedLines()}.
 */
public final class TaskLoader {
    /** What to do with a line that cannot be read as a problem. */
    public enum OnBadLine { STOP, SKIP }

    private static final ObjectMapper JSON = new ObjectMapper();

    private TaskLoader() {}

    /** Auto-detected format; stops at the first bad line. */
    public static TaskSet load(Path file) {
        return load(file, null, OnBadLine.STOP);
    }

    /** @param format the layout, or null to detect it from the first record's fields */
    public static TaskSet load(Path file, TaskFormat format, OnBadLine onBadLine) {
        if (!Files.isRegularFile(file)) throw new TaskFileException(file, "no such task file");
        List<EvalProblem> problems = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int skipped = 0;
        TaskFormat fmt = format;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String text;
            int lineNo = 0;
            while ((text = in.readLine()) != null) {
                lineNo++;
                if (text.isBlank()) continue;
                ObjectNode rec;
                try {
                    rec = parseObject(file, lineNo, text);
                } catch (TaskFileException e) {
                    if (onBadLine == OnBadLine.STOP) throw e;
                    skipped++;
                    continue;
                }
                if (fmt == null) fmt = detect(file, lineNo, rec); // an unknown layout is never skippable
                try {
                    EvalProblem p = toProblem(file, lineNo, problems.size(), fmt, rec);
                    if (!ids.add(p.id())) throw new TaskFileException(file, lineNo, "duplicate id '" + p.id() + "'");
                    problems.add(p);
                } catch (TaskFileException e) {
                    if (onBadLine == OnBadLine.STOP) throw e;
                    skipped++;
                }
            }
        } catch (IOException e) {
            throw new TaskFileException(file, "cannot read: " + e.getMessage());
        }
        if (problems.isEmpty())
            throw new TaskFileException(file, "no problems in task file" + (skipped > 0 ? " (" + skipped + " bad lines skipped)" : ""));
        return new TaskSet(file, fmt, problems, skipped);
    }

    private static TaskFormat detect(Path file, int lineNo, ObjectNode rec) {
        Set<String> fields = new TreeSet<>();
        rec.fieldNames().forEachRemaining(fields::add);
        boolean hashes = rec.path("answer").isTextual() && rec.path("answer").asText().contains("####");
        TaskFormat fmt = TaskFormat.detect(fields, hashes);
        if (fmt == null)
            throw new TaskFileException(file, lineNo, "cannot tell the task format from fields " + fields
                    + " (expected gsm8k {question, answer with ####}, math {problem, answer, unique_id...},"
                    + " aime/amc {problem, answer, id} or generic {prompt, answer}); give the format explicitly");
        return fmt;
    }

    private static ObjectNode parseObject(Path file, int lineNo, String text) {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new TaskFileException(file, lineNo, "malformed JSON: " + e.getOriginalMessage());
        }
        if (!(node instanceof ObjectNode obj))
            throw new TaskFileException(file, lineNo, "expected a JSON object, found " + (node == null ? "nothing" : node.getNodeType()));
        return obj;
    }

    private static EvalProblem toProblem(Path file, int lineNo, int index, TaskFormat fmt, ObjectNode rec) {
        Map<String, String> meta = new LinkedHashMap<>();
        for (var it = rec.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (e.getValue().isValueNode() && !e.getValue().isNull()) meta.put(e.getKey(), e.getValue().asText());
        }
        return switch (fmt) {
            case GSM8K -> {
                String question = text(file, lineNo, rec, "question");
                String solution = text(file, lineNo, rec, "answer");
                String gold = AnswerExtractor.gsm8kGold(solution)
                        .orElseThrow(() -> new TaskFileException(file, lineNo, "field 'answer' has no '#### <number>' line"));
                if (!AnswerExtractor.isPlainNumber(gold))
                    throw new TaskFileException(file, lineNo, "field 'answer': gold after '####' is not a number: '" + gold + "'");
                meta.remove("question");
                meta.put("solution", meta.remove("answer"));
                yield new EvalProblem("gsm8k-" + index, question, gold, fmt.defaultChecker, meta);
            }
            case MATH -> {
                String problem = text(file, lineNo, rec, "problem");
                String answer = text(file, lineNo, rec, "answer");
                String id = rec.has("unique_id") ? text(file, lineNo, rec, "unique_id") : "math-" + index;
                meta.remove("problem");
                meta.remove("answer");
                yield new EvalProblem(id, problem, answer, fmt.defaultChecker, meta);
            }
            case COMPETITION -> {
                String field = rec.has("problem") ? "problem" : "question";
                String problem = text(file, lineNo, rec, field);
                String answer = numericAnswer(file, lineNo, rec);
                String id = rec.has("id") ? scalar(file, lineNo, rec, "id") : "problem-" + index;
                meta.remove("problem");
                meta.remove("question");
                meta.remove("answer");
                yield new EvalProblem(id, problem, answer, fmt.defaultChecker, meta);
            }
            case GENERIC -> {
                String prompt = text(file, lineNo, rec, "prompt");
                String answer = scalar(file, lineNo, rec, "answer");
                String checker = rec.has("checker") ? text(file, lineNo, rec, "checker") : fmt.defaultChecker;
                if (!AnswerChecker.NAMES.contains(checker))
                    throw new TaskFileException(file, lineNo, "field 'checker': unknown checker '" + checker + "' (expected one of " + AnswerChecker.NAMES + ")");
                String id = rec.has("id") ? scalar(file, lineNo, rec, "id") : "line-" + lineNo;
                meta.remove("prompt");
                meta.remove("answer");
                meta.remove("checker");
                yield new EvalProblem(id, prompt, answer, checker, meta);
            }
        };
    }

    /** AIME answers are strings like "025", AMC's JSON numbers like 27.0: both become a canonical number ("25", "27"). */
    private static String numericAnswer(Path file, int lineNo, ObjectNode rec) {
        String raw = scalar(file, lineNo, rec, "answer");
        String t = raw.trim().replace(",", "");
        try {
            BigDecimal v = new BigDecimal(t);
            return canonical(v);
        } catch (NumberFormatException e) {
            throw new TaskFileException(file, lineNo, "field 'answer': expected a number, found '" + raw + "'");
        }
    }

    static String canonical(BigDecimal v) {
        v = v.stripTrailingZeros();
        return v.signum() == 0 ? "0" : v.toPlainString();
    }

    private static String text(Path file, int lineNo, ObjectNode rec, String field) {
        JsonNode n = rec.get(field);
        if (n == null || n.isNull()) throw new TaskFileException(file, lineNo, "missing field '" + field + "'");
        if (!n.isTextual()) throw new TaskFileException(file, lineNo, "field '" + field + "': expected text, found " + n.getNodeType());
        if (n.asText().isBlank()) throw new TaskFileException(file, lineNo, "field '" + field + "' is empty");
        return n.asText();
    }

    /** A text or number field, as text. */
    private static String scalar(Path file, int lineNo, ObjectNode rec, String field) {
        JsonNode n = rec.get(field);
        if (n == null || n.isNull()) throw new TaskFileException(file, lineNo, "missing field '" + field + "'");
        if (n.isNumber()) return n.isIntegralNumber() ? n.bigIntegerValue().toString() : canonical(n.decimalValue());
        return text(file, lineNo, rec, field);
    }
}
