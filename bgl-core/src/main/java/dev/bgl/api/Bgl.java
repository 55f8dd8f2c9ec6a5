package dev.bgl.api;

import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.format.FormatException;
import dev.bgl.tensor.Parallel;
import dev.bgl.util.BglException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where an embedding application starts: opens a model as {@code bgl run} and {@code bgl serve} do,
 * with the budget predictor beside it.
 *
 * <pre>{@code
 * try (BglModel model = Bgl.load(Path.of("models/bgl-reasoner.gguf"))) {
 *     Answer a = model.ask("Add: 17+8+12+5", Budget.tokens(50));
 *     System.out.println(a.text() + " (" + a.thinkingTokens() + " thinking tokens)");
 * }
 * }</pre>
 */
public final class Bgl {
    private Bgl() {
    }

    /** Opens a {@code .gguf} file or a Hugging Face model folder with the default options ({@link BglOptions#DEFAULT}). */
    public static BglModel load(Path model) {
        return load(model, BglOptions.DEFAULT);
    }

    /**
     * Opens a model and its predictor. A missing or unreadable file, a broken chat template, or a
     * predictor that does not fit the model is a {@link BglException} naming the file.
     */
    public static BglModel load(Path model, BglOptions options) {
        if (model == null) throw new BglException("no model path given");
        if (options == null) options = BglOptions.DEFAULT;
        Path predictor = predictorFile(model, options);
        if (predictor != null && !Files.exists(predictor)) throw new FormatException(predictor, "no such predictor file or folder");
        if (options.threads() > 0) Parallel.setThreads(options.threads());
        LoadedModel m = LoadedModel.open(model, options.kvType(), null, options.thinkingFormat());
        try {
            try {
                m.checkTemplate(); // a broken template stops here rather than failing every question
            } catch (BglException e) {
                throw new BglException(model + ": " + e.getMessage(), e);
            }
            // weights and recommended settings from one reading of the file
            PredictorWeights.Loaded loaded = predictor == null ? null : PredictorWeights.loadWithRecommendation(predictor, 0);
            BudgetPredictor p = loaded == null ? null : BudgetPredictor.forModel(predictor, loaded.weights(), m);
            // budgets are kept as `bgl serve` keeps them: guided closes the thinking at the budget (a ceiling of
            // grace 0) if guidance has not ended it; a soft budget (Budget.withSoft(true)) drops the ceiling
            GuidanceOptions guidance = loaded == null ? GuidanceOptions.DEFAULT
                    : GuidanceOptions.recommended(loaded.recommended()).withCeiling(0);
            return new BglModel(m, p, guidance, options);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /**
     * The predictor for a model: the one given; else none when asked for none; else the model folder itself
     * when its state dict holds one (the paper's released checkpoints); else {@code NAME.predictor.safetensors}
     * beside {@code NAME.gguf} when it exists; else none.
     */
    static Path predictorFile(Path model, BglOptions options) {
        if (options.predictor() != null) return options.predictor();
        if (options.noPredictor() || !Files.exists(model)) return null;
        if (PredictorWeights.inModelFolder(model)) return model;
        Path name = model.getFileName();
        if (name == null) return null;
        Path beside = model.resolveSibling(name.toString().replaceFirst("\\.gguf$", "") + ".predictor.safetensors");
        return Files.isRegularFile(beside) ? beside : null;
    }
}
