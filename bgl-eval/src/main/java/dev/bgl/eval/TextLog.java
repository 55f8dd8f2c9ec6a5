package dev.bgl.eval;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.bgl.util.BglException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What each sample of an evaluation wrote, beside its record: {@code texts.jsonl}, one line a sample with the
 * record's key ({@code id}, {@code method}, {@code budget}, {@code limits}, as in {@code records.jsonl}) and the
 * {@code thinking} and {@code answer} texts. The records keep counts only (they are what every summary reads);
 * this file is for reading why a run went wrong. Appended and flushed as each sample finishes, as the records are;
 * a resumed run appends the samples it generates now.
 */
public final class TextLog implements AutoCloseable {
    public static final String TEXTS = "texts.jsonl";

    private final JsonLines out;

    private TextLog(JsonLines out) {
        this.out = out;
    }

    /**
     * Opens {@code dir/texts.jsonl} for appending; {@code fresh} (the record log started empty: a new run, or
     * {@code --force}) first discards texts of an earlier run, so the two files describe the same samples.
     */
    public static TextLog open(Path dir, boolean fresh) {
        Path file = dir.resolve(TEXTS);
        try {
            if (fresh) Files.deleteIfExists(file);
            return new TextLog(JsonLines.append(file));
        } catch (IOException e) {
            throw new BglException("cannot write " + file + ": " + e.getMessage());
        }
    }

    /** One sample's texts under its record's key. */
    public synchronized void append(EvalRecord.Key key, String thinking, String answer) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", key.id());
        o.put("method", key.method());
        if (key.budget() == EvalRecord.NO_BUDGET) o.putNull("budget");
        else o.put("budget", key.budget());
        if (key.limits() == null) o.putNull("limits");
        else o.put("limits", key.limits());
        o.put("thinking", thinking);
        o.put("answer", answer);
        out.write(o.toString());
    }

    public Path file() {
        return out.file();
    }

    @Override
    public synchronized void close() {
        out.close();
    }
}
