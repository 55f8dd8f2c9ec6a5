package dev.bgl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.bgl.decode.LoadedModel;
import dev.bgl.tensor.Parallel;
import dev.bgl.tokenizer.ByteLevelVocab;
import dev.bgl.tokenizer.Tokenizer;
import dev.bgl.train.Example;
import dev.bgl.train.ModelExport;
import dev.bgl.train.ModelImport;
import dev.bgl.train.ReasonerQuality;
import dev.bgl.train.TrainConfig;
import dev.bgl.train.TrainState;
import dev.bgl.train.Trainer;
import dev.bgl.train.TrainingData;
import dev.bgl.tasks.Curriculum;
import dev.bgl.tasks.StyleMix;
import dev.bgl.tasks.Split;
import dev.bgl.util.BglException;
import dev.bgl.util.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;

@Command(name = "train-model", mixinStandardHelpOptions = true,
        description = "Train bgl's own small reasoning model (Qwen3 architecture) on the synthetic curriculum and write it as GGUF.")
final class TrainModelCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "models/bgl-reasoner.gguf") Path out;
    @Option(names = "--steps", defaultValue = "3000") int steps;
    @Option(names = "--seed", defaultValue = "1234") long seed;
    @Option(names = "--batch", defaultValue = "16") int batch;
    @Option(names = "--lr", defaultValue = "2e-3") float lr;
    @Option(names = "--dim", defaultValue = "128") int dim;
    @Option(names = "--layers", defaultValue = "4") int layers;
    @Option(names = "--heads", defaultValue = "4") int heads;
    @Option(names = "--kv-heads", defaultValue = "2") int kvHeads;
    @Option(names = "--ffn", defaultValue = "384") int ffn;
    @Option(names = "--max-seq", defaultValue = "384") int maxSeq;
    @Option(names = "--checkpoint-dir", description = "Checkpoints go here; an existing checkpoint is resumed") Path checkpointDir;
    @Option(names = "--checkpoint-every", defaultValue = "200") int checkpointEvery;
    @Option(names = "--eval", defaultValue = "300", description = "Held-out problems for the quality report after training (0: none)") int evalProblems;
    @Option(names = "--threads", description = "Worker threads (default: all cores)") Integer threads;
    @Option(names = "--cut-share", defaultValue = "0",
            description = "Share of traces cut at a random token and answered directly, so the model answers after an early close (default: ${DEFAULT-VALUE})")
    double cutShare;
    @Option(names = "--init", description = "Start from this model's weights (a GGUF train-model wrote with the same sizes): a fine-tune")
    Path init;
    @Option(names = "--warmup", description = "Learning-rate warm-up steps (default: a tenth of the steps, at most 100)") Integer warmup;
    @Option(names = "--styles", description = "Style mix compact,detailed,verified,early (default: ${DEFAULT-VALUE})",
            defaultValue = "0.4,0.2,0.4,0") String styles;

    @Override
    public Integer call() throws Exception {
        if (threads != null) Parallel.setThreads(threads);
        if (dim % heads != 0) throw new BglException("--dim " + dim + " must be a multiple of --heads " + heads);
        Tokenizer tok = Tokenizer.of(ByteLevelVocab.spec());
        TrainConfig c = new TrainConfig(dim, layers, heads, kvHeads, dim / heads, ffn, tok.vocabSize(), maxSeq, 1_000_000f, 1e-6f,
                lr, warmup != null ? warmup : Math.min(100, steps / 10), steps, batch, 0.1f, 1.0f, seed, checkpointEvery);
        Iterator<Example> data = fitting(TrainingData.examples(Curriculum.defaults().withStyles(StyleMix.parse(styles)), tok, seed, cutShare), maxSeq);
        float[] initial = init == null ? null : ModelImport.params(init, c);
        ProgressBar bar = new ProgressBar("train", steps, System.err);
        long t0 = System.nanoTime();
        TrainState s = Trainer.train(c, data, checkpointDir, st ->
                bar.update(st.step(), String.format("loss %.3f  %.0f tok/s  lr %.1e", st.loss(), st.tokensPerSecond(), st.lr())), initial);
        bar.finish();
        double minutes = (System.nanoTime() - t0) / 6e10;
        if (out.getParent() != null) Files.createDirectories(out.getParent());
        ModelExport.writeGguf(s.params, c, out);
        System.out.printf("wrote %s after %d steps (%.1f min this run, %d examples)%n", out, s.step, minutes, s.examplesConsumed);

        if (evalProblems > 0) {
            try (LoadedModel m = LoadedModel.open(out)) {
                var problems = Curriculum.defaults().sample(seed + 1, evalProblems, Split.TEST);
                var report = ReasonerQuality.evaluate(m, problems, maxSeq, Parallel.threads(),
                        new ProgressBar("eval", evalProblems, System.err));
                String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report.summary());
                System.out.println(json);
                Files.writeString(out.resolveSibling(out.getFileName() + ".quality.json"), json + "\n");
            }
        }
        return 0;
    }

    /** Skips examples longer than the trainer's sequence limit (they are rare; the curriculum keeps traces short). */
    static Iterator<Example> fitting(Iterator<Example> in, int maxSeq) {
        return new Iterator<>() {
            Example next = advance();

            private Example advance() {
                while (in.hasNext()) {
                    Example e = in.next();
                    if (e.length() <= maxSeq) return e;
                }
                return null;
            }

            public boolean hasNext() {
                return next != null;
            }

            public Example next() {
                if (next == null) throw new NoSuchElementException();
                Example e = next;
                next = advance();
                return e;
            }
        };
    }
}
