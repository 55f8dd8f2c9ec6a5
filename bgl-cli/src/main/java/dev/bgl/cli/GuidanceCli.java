package dev.bgl.cli;

import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.budget.predictor.RecommendedGuidance;
import dev.bgl.format.FormatException;
import dev.bgl.util.BglException;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The options of the {@code guided} method, shared by {@code run}, {@code eval} and the server. */
final class GuidanceCli {
    @Option(names = "--predictor", description = "Budget predictor weights (safetensors, official key names) for the guided method: a file, or a model folder whose state dict holds the predictor (the paper's released *-BG checkpoints)")
    Path predictor;

    @Option(names = "--predictor-heads", defaultValue = "0",
            description = "Attention heads of the predictor when its file does not say (files of the paper's authors: 12)")
    int heads;

    @Option(names = "--guide-every-token", arity = "0..1", fallbackValue = "true",
            description = "Guide every thinking token (true), or only the first and those after a newline (false, the paper's); default: what the predictor file recommends, else false")
    Boolean everyToken;

    @Option(names = "--all-candidates", arity = "0..1", fallbackValue = "true",
            description = "Compute the predictor's heads for the whole vocabulary, not only the likely tokens (default: true for a model folder holding its predictor, as the official code does; else false)")
    Boolean allCandidates;

    @Option(names = "--ceiling", paramLabel = "GRACE",
            description = "Hard ceiling: after budget+GRACE thinking tokens close at the next line end (at budget+2*GRACE at once); -1: none")
    Integer ceilingGrace;

    /** Whether --ceiling was given (serve keeps budgets with a ceiling of 0 by default; the other commands run without one). */
    boolean ceilingGiven() {
        return ceilingGrace != null;
    }

    @Option(names = "--force-final-answer", description = "When guidance would close the thinking, write \"**Final Answer**\" first (official option)")
    boolean forceFinalAnswer;

    @Option(names = "--mask", paramLabel = "LAMBDA,ALPHA,MODE", split = ",",
            description = "Validity mask of a token's Gamma: rate >= LAMBDA, shape > ALPHA, mode length >= MODE (official: 10,1,0.9)")
    double[] mask;

    @Option(names = "--min-p", paramLabel = "P",
            description = "Plausibility floor (not in the paper): at a guided step, tokens below P x the top token's probability get no weight; 0: off; default: what the predictor file recommends, else 0")
    Double minP;

    @Option(names = "--guidance-scale", paramLabel = "G",
            description = "Guidance strength (not in the paper, which is 1): each token's chance that its thought fits is raised to the power G before it weighs the model's probability; above 1 a thought plans its last line to end within the budget; default: what the predictor file recommends, else 1")
    Double scale;

    @Option(names = "--lookahead", paramLabel = "K",
            description = "At a line start, feed each of the K most likely plausible tokens one position ahead and weigh it by what the predictor"
                    + " reads there (not in the paper; each costs a forward pass): a token's own head cannot tell which route it opens when routes"
                    + " start alike; 0: off; default: what the predictor file recommends, else 0")
    Integer lookahead;

    /**
     * The guidance settings: the flags given, else what the predictor file recommends (bgl's
     * {@code train-predictor --recommend-*} writes that), else the paper's defaults.
     */
    GuidanceOptions options(Path model) {
        Path file = resolve(model);
        // a folder (the paper's checkpoints) records no settings: it gets the paper's defaults
        GuidanceOptions o = file != null && Files.exists(file) ? GuidanceOptions.recommended(recommendation(file)) : GuidanceOptions.DEFAULT;
        if (everyToken != null) o = o.withEveryToken(everyToken);
        if (minP != null) o = o.withMinP(minP);
        if (scale != null) {
            try {
                o = o.withScale(scale);
            } catch (BglException e) {
                throw new BglException("--guidance-scale: " + e.getMessage());
            }
        }
        if (lookahead != null) {
            try {
                o = o.withLookahead(lookahead);
            } catch (BglException e) {
                throw new BglException("--lookahead: " + e.getMessage());
            }
        }
        if (mask != null) {
            if (mask.length != 3) throw new BglException("--mask needs three numbers LAMBDA,ALPHA,MODE, got " + mask.length);
            o = o.withMask(mask[0], mask[1], mask[2]);
        }
        if (allCandidates != null) o = o.withAllCandidates(allCandidates);
        return o.withCeiling(ceilingGrace == null ? -1 : ceilingGrace).withForceFinalAnswer(forceFinalAnswer);
    }

    /**
     * The predictor file for a model: the one given, else the model folder itself when its state dict
     * holds a predictor (the paper's released checkpoints), else the one that ships beside the model
     * file ({@code NAME.predictor.safetensors} for {@code NAME.gguf}), else null.
     */
    Path resolve(Path model) {
        if (predictor != null || model == null) return predictor;
        if (PredictorWeights.inModelFolder(model)) return model;
        Path name = model.getFileName();
        if (name == null) return null;
        Path beside = model.resolveSibling(name.toString().replaceFirst("\\.gguf$", "") + ".predictor.safetensors");
        return Files.isRegularFile(beside) ? beside : null;
    }

    /** The predictor's weights for this model (see {@link #resolve}), or null when there is none. */
    PredictorWeights loadWeights(Path model) {
        Path predictor = resolve(model);
        if (predictor == null) return null;
        if (!Files.exists(predictor)) throw new FormatException(predictor, "no such file or folder");
        if (heads < 0) throw new BglException("--predictor-heads must be >= 0, got " + heads);
        if (loaded == null || !loaded.recommended().file().equals(predictor) || loadedHeads != heads) {
            loaded = PredictorWeights.loadWithRecommendation(predictor, heads);
            loadedHeads = heads;
        }
        return loaded.weights();
    }

    /**
     * The predictor file last read: weights and recommendations come from one opening of the file
     * (a model folder's index and shards are read once), and {@link #options} and {@link #describe}
     * after {@link #loadWeights} read nothing more.
     */
    private PredictorWeights.Loaded loaded;
    private int loadedHeads;
    private RecommendedGuidance recommended;

    private RecommendedGuidance recommendation(Path file) {
        if (loaded != null && loaded.recommended().file().equals(file)) return loaded.recommended();
        if (recommended == null || !recommended.file().equals(file)) recommended = PredictorWeights.recommendation(file);
        return recommended;
    }

    /** What identifies these settings in a run's records (a resumed run must not mix settings). */
    String describe(Path model) {
        Path predictor = resolve(model);
        if (predictor == null) return null;
        GuidanceOptions o = options(model);
        return String.format(Locale.ROOT, "%s heads=%d every=%s all=%s ceiling=%d final=%s mask=%s,%s,%s min-p=%s%s%s", predictor, heads,
                o.everyToken(), o.allCandidates(), o.ceilingGrace(), o.forceFinalAnswer(), o.minLambda(), o.minAlpha(), o.minModeLength(), o.minP(),
                o.scale() == 1 ? "" : " scale=" + o.scale(), // the paper's strength adds nothing: runs recorded before it resume
                o.lookahead() == 0 ? "" : " lookahead=" + o.lookahead());
    }
}
