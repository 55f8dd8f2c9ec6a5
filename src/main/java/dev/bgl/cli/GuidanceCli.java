package dev.bgl.cli;

import dev.bgl.budget.predictor.GuidanceOptions;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.format.FormatException;
import dev.bgl.util.BglException;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The options of the {@code guided} method, shared by {@code run}, {@code eval} and the server. */
final class GuidanceCli {
    @Option(names = "--predictor", description = "Budget predictor weights (safetensors, official key names) for the guided method")
    Path predictor;

    @Option(names = "--predictor-heads", defaultValue = "0",
            description = "Attention heads of the predictor when its file does not say (files of the paper's authors: 12)")
    int heads;

    @Option(names = "--guide-every-token", description = "Guide every thinking token, not only those after a newline (the paper's default)")
    boolean everyToken;

    @Option(names = "--all-candidates", description = "Compute the predictor's heads for the whole vocabulary, not only the likely tokens")
    boolean allCandidates;

    @Option(names = "--ceiling", defaultValue = "-1", paramLabel = "GRACE",
            description = "Hard ceiling: after budget+GRACE thinking tokens close at the next line end (at budget+2*GRACE at once); -1: none")
    int ceilingGrace;

    @Option(names = "--force-final-answer", description = "When guidance would close the thinking, write \"**Final Answer**\" first (official option)")
    boolean forceFinalAnswer;

    GuidanceOptions options() {
        return GuidanceOptions.DEFAULT.withEveryToken(everyToken).withAllCandidates(allCandidates)
                .withCeiling(ceilingGrace).withForceFinalAnswer(forceFinalAnswer);
    }

    /** The predictor's weights, or null when none was given. */
    PredictorWeights loadWeights() {
        if (predictor == null) return null;
        if (!Files.isRegularFile(predictor)) throw new FormatException(predictor, "no such file");
        if (heads < 0) throw new BglException("--predictor-heads must be >= 0, got " + heads);
        return PredictorWeights.load(predictor, heads);
    }

    /** What identifies these settings in a run's records (a resumed run must not mix settings). */
    String describe() {
        if (predictor == null) return null;
        return String.format(Locale.ROOT, "%s heads=%d every=%s all=%s ceiling=%d final=%s", predictor, heads, everyToken,
                allCandidates, ceilingGrace, forceFinalAnswer);
    }
}
