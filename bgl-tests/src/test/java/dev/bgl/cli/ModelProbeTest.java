package dev.bgl.cli;

import dev.bgl.format.GgmlType;
import dev.bgl.model.Architecture;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.tokenizer.ByteLevelVocab;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A model whose chat template fails, renders an empty prompt or drops the question stops {@code serve}, {@code run}
 * and {@code eval} at load, in one line naming the model file, instead of starting and then blaming every
 * request on the client.
 */
class ModelProbeTest {
    static Path model(Path dir, String name, String template) throws java.io.IOException {
        var spec = ByteLevelVocab.spec();
        Path f = dir.resolve(name + ".gguf");
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.QWEN3, GgmlType.F32, 1, 32, 2, 1, 16, 64,
                spec.vocabSize(), 256, 1e6f, 1e-6f, false, 3, "t"), w -> {
            spec.writeTo(w);
            w.put("tokenizer.chat_template", template);
        }, f);
        return f;
    }

    @Test
    void brokenTemplatesStopTheStartNamingTheFile(@TempDir Path dir) throws Exception {
        String[][] cases = {
                {"raises", "{{ raise_exception('no system messages allowed') }}", "fails on a plain conversation"},
                {"empty", "{% if false %}x{% endif %}", "empty prompt"},
                {"forgets", "{% for m in messages %}<{{ m.role }}>{% endfor %}", "leaves the user's question out"},
        };
        for (String[] c : cases) {
            Path f = model(dir, c[0], c[1]);
            for (String[] args : new String[][]{
                    {"serve", "--model", f.toString(), "--port", "0", "--db", "none"},
                    {"run", "--model", f.toString(), "--mode", "hard", "--budget", "4", "hi"},
                    {"eval", "--model", f.toString(), "--tasks", "synthetic", "--methods", "hard", "--budgets", "4", "--n", "1",
                            "--out", dir.resolve("out-" + c[0]).toString()}}) {
                ServeCommandTest.Run r = ServeCommandTest.bgl(args);
                assertEquals(1, r.code(), args[0] + " " + c[0] + ": " + r.out() + r.err());
                assertTrue(r.err().startsWith("bgl: ") && r.err().contains(f.toString()) && r.err().contains(c[2]), args[0] + ": " + r.err());
                assertEquals(1, r.err().strip().lines().count(), r.err());
            }
        }
    }

    @Test
    void aSoundTemplatePasses(@TempDir Path dir) throws Exception {
        Path f = model(dir, "fine", "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}");
        ServeCommandTest.Run r = ServeCommandTest.bgl("run", "--model", f.toString(), "--mode", "hard", "--budget", "2", "--max-tokens", "30", "hi");
        assertEquals(0, r.code(), r.err());
    }
}
