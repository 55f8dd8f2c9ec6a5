package dev.bgl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.train.predictor.PredictorTrainer;
import dev.bgl.train.predictor.TraceFile;
import dev.bgl.util.BglException;
import dev.bgl.util.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "train-predictor", mixinStandardHelpOptions = true,
        description = {"Train a budget predictor (Gamma over the remaining thinking length, per next token) on traces from 'collect-traces'.",
                "Writes the weights (safetensors, official key names), P.calibration.jsonl (held-out positions) and P.report.json beside them.",
                "Defaults suit bgl's small model: a 64-wide, 2-layer encoder, lr 1e-3, 2 epochs (the paper: 768/12/12, lr 1e-4, 1 epoch; use --paper)."})
final class TrainPredictorCommand implements Callable<Integer> {
    @Mixin ModelOptions modelOptions;
    @Option(names = "--traces", required = true, description = "Folder with traces.jsonl (or the .jsonl file)") Path traces;
    @Option(names = "--out", required = true, description = "Predictor weights (.safetensors)") Path out;
    @Option(names = "--width", defaultValue = "96") int width;
    @Option(names = "--layers", defaultValue = "2") int layers;
    @Option(names = "--heads", defaultValue = "4") int heads;
    @Option(names = "--ffn", defaultValue = "0", description = "FFN size (0: 4 x width)") int ffn;
    @Option(names = "--epochs", defaultValue = "4") int epochs;
    @Option(names = "--lr", defaultValue = "1e-3") float lr;
    @Option(names = "--warmup", defaultValue = "0.05", description = "Warm-up fraction of the steps") float warmup;
    @Option(names = "--weight-decay", defaultValue = "0") float weightDecay;
    @Option(names = "--clip", defaultValue = "1.0", description = "Gradient-norm clip (0: none)") float clip;
    @Option(names = "--batch", defaultValue = "64", description = "Positions per step") int batch;
    @Option(names = "--concise", description = "Add the paper's concise copy of each trace (thinking replaced by the answer)") boolean concise;
    @Option(names = "--held-out", defaultValue = "0.1", description = "Fraction of traces held out for evaluation") double heldOut;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--recommend-every-token", description = "Record in the file that guidance should run at every thinking token (the default of run/eval for this predictor)")
    boolean recommendEveryToken;
    @Option(names = "--recommend-min-p", description = "Record in the file the plausibility floor guidance should use by default (see --min-p of run/eval)")
    Double recommendMinP;
    @Option(names = "--recommend-mask", paramLabel = "LAMBDA,ALPHA,MODE", split = ",",
            description = "Record in the file the validity mask guidance should use by default (see --mask of run/eval)")
    double[] recommendMask;
    @Option(names = "--recommend-scale", paramLabel = "G", description = "Record in the file the guidance strength guidance should use by default (see --guidance-scale of run/eval)")
    Double recommendScale;
    @Option(names = "--recommend-lookahead", paramLabel = "K", description = "Record in the file how many candidates guidance should look at one token ahead at a line start by default (see --lookahead of run/eval)")
    Integer recommendLookahead;
    @Option(names = "--paper", description = "The official recipe's shape and schedule: width 768, 12 layers, 12 heads, lr 1e-4, 1 epoch") boolean paper;

    @Override
    public Integer call() throws Exception {
        Path modelPath = modelOptions.resolveModel();
        checkRecommendations();
        var o = paper ? PredictorTrainer.Options.paper(seed)
                : new PredictorTrainer.Options(width, layers, heads, ffn, epochs, lr, warmup, weightDecay, clip, batch, concise, seed, heldOut);
        if (paper) o = new PredictorTrainer.Options(o.width(), o.layers(), o.heads(), o.ffn(), o.epochs(), o.lr(), o.warmup(), o.weightDecay(),
                o.clip(), batch, concise, seed, heldOut);
        try (LoadedModel m = modelOptions.open(modelPath)) {
            Path file = TraceFile.in(traces);
            var contents = TraceFile.read(file, m.transformer().config().vocabSize());
            if (contents.truncatedTail()) System.err.println("bgl: " + file + ": skipping an unfinished last line");
            ProgressBar[] live = {null};
            var report = PredictorTrainer.train(m, contents.traces(), o, out, st -> {
                if (live[0] == null) live[0] = new ProgressBar("predictor", st.steps(), System.err);
                live[0].update(st.step(), String.format("loss %.3f  %.0f pos/s  lr %.1e", st.loss(), st.tokensPerSecond(), st.lr()));
            });
            if (live[0] != null) live[0].finish();
            recordGuidanceDefaults(out);
            String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
            Path reportFile = out.resolveSibling(out.getFileName().toString().replaceFirst("\\.safetensors$", "") + ".report.json");
            Files.writeString(reportFile, json + "\n");
            System.out.println(json);
            System.out.println("wrote " + out + (report.calibration() != null ? ", " + report.calibration() : "") + " and " + reportFile);
        }
        return 0;
    }

    /** The validated --recommend-mask (null: none given), set before training. */
    private GuidanceOptions masked;

    /** Before hours of training: the recommended settings must be valid. */
    private void checkRecommendations() {
        if (recommendMinP != null && !(recommendMinP >= 0 && recommendMinP <= 1))
            throw new BglException("--recommend-min-p must be in [0, 1], got " + recommendMinP);
        if (recommendMask != null) {
            if (recommendMask.length != 3)
                throw new BglException("--recommend-mask needs three numbers LAMBDA,ALPHA,MODE, got " + recommendMask.length);
            masked = GuidanceOptions.DEFAULT.withMask(recommendMask[0], recommendMask[1], recommendMask[2]);
        }
        if (recommendScale != null) {
            try {
                GuidanceOptions.DEFAULT.withScale(recommendScale);
            } catch (BglException e) {
                throw new BglException("--recommend-scale: " + e.getMessage());
            }
        }
        if (recommendLookahead != null) {
            try {
                GuidanceOptions.DEFAULT.withLookahead(recommendLookahead);
            } catch (BglException e) {
                throw new BglException("--recommend-lookahead: " + e.getMessage());
            }
        }
    }

    /** Rewrites the file with the recommended guidance settings as metadata (F32 round trip: the weights are unchanged). */
    private void recordGuidanceDefaults(Path file) {
        if (!recommendEveryToken && recommendMinP == null && masked == null && recommendScale == null && recommendLookahead == null) return;
        Map<String, String> meta = new LinkedHashMap<>();
        if (recommendEveryToken) meta.put(PredictorWeights.EVERY_TOKEN_KEY, "true");
        if (recommendMinP != null) meta.put(PredictorWeights.MIN_P_KEY, Double.toString(recommendMinP));
        if (masked != null) meta.put(PredictorWeights.MASK_KEY, masked.maskText());
        if (recommendScale != null) meta.put(PredictorWeights.SCALE_KEY, Double.toString(recommendScale));
        if (recommendLookahead != null) meta.put(PredictorWeights.LOOKAHEAD_KEY, Integer.toString(recommendLookahead));
        PredictorWeights.load(file, 0).save(file, meta);
    }
}
