package dev.bgl.cli;

import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.predictor.PredictorConfig;
import dev.bgl.budget.predictor.PredictorWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class GuidanceCliTest {
    @TempDir
    Path dir;

    private static GuidanceCli parse(String... args) {
        GuidanceCli g = new GuidanceCli();
        new CommandLine(g).parseArgs(args);
        return g;
    }

    private Path predictorBeside(Path model, Map<String, String> meta) {
        Path p = dir.resolve(model.getFileName().toString().replace(".gguf", "") + ".predictor.safetensors");
        PredictorWeights.zeros(PredictorConfig.bert(8, 4, 1, 2, 10)).save(p, meta);
        return p;
    }

    @Test
    void aModelsPredictorIsFoundBesideItAndItsRecommendedSettingsApply() throws Exception {
        Path model = Files.writeString(dir.resolve("m.gguf"), "x");
        assertNull(parse().resolve(model), "no predictor beside the model yet");
        Path p = predictorBeside(model, Map.of(PredictorWeights.EVERY_TOKEN_KEY, "true", PredictorWeights.MIN_P_KEY, "0.1"));
        GuidanceCli g = parse();
        assertEquals(p, g.resolve(model));
        GuidanceOptions o = g.options(model);
        assertTrue(o.everyToken());
        assertEquals(0.1, o.minP());
        // flags win over the file's recommendation
        GuidanceOptions given = parse("--guide-every-token=false", "--min-p", "0").options(model);
        assertFalse(given.everyToken());
        assertEquals(0, given.minP());
    }

    @Test
    void theWeightsAndTheRecommendedSettingsComeFromOneReadingOfTheFile() throws Exception {
        Path model = Files.writeString(dir.resolve("once.gguf"), "x");
        predictorBeside(model, Map.of(PredictorWeights.MIN_P_KEY, "0.1"));
        GuidanceCli g = parse();
        PredictorWeights w = g.loadWeights(model);
        predictorBeside(model, Map.of(PredictorWeights.MIN_P_KEY, "0.3")); // the file changes once read
        assertEquals(0.1, g.options(model).minP(), "the settings come from the reading that gave the weights");
        assertSame(w, g.loadWeights(model), "the file is not read again");
        assertEquals(0.3, parse().options(model).minP(), "a new command reads the file as it is now");
    }

    @Test
    void aRecordedMaskAppliesUnlessTheFlagSaysOtherwise() throws Exception {
        Path model = Files.writeString(dir.resolve("masked.gguf"), "x");
        predictorBeside(model, Map.of(PredictorWeights.MASK_KEY, "3,1,0.5"));
        GuidanceOptions o = parse().options(model);
        assertEquals(3, o.minLambda());
        assertEquals(1, o.minAlpha());
        assertEquals(0.5, o.minModeLength());
        GuidanceOptions given = parse("--mask", "10,1,0.9").options(model);
        assertEquals(10, given.minLambda());
        assertEquals(0.9, given.minModeLength());
    }

    @Test
    void aMalformedRecordedMaskNamesTheFileAndTheValue() throws Exception {
        Path model = Files.writeString(dir.resolve("bad.gguf"), "x");
        Path p = predictorBeside(model, Map.of(PredictorWeights.MASK_KEY, "3,x,0.5"));
        var e = assertThrows(dev.bgl.util.BglException.class, () -> parse().options(model));
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("'x'"), e.getMessage());
        predictorBeside(model, Map.of(PredictorWeights.MASK_KEY, "3,1"));
        var two = assertThrows(dev.bgl.util.BglException.class, () -> parse().options(model));
        assertTrue(two.getMessage().contains("three numbers") && two.getMessage().contains("'3,1'"), two.getMessage());
    }

    @Test
    void aRecordedGuidanceScaleAppliesUnlessTheFlagSaysOtherwiseAndABadOneIsNamed() throws Exception {
        Path model = Files.writeString(dir.resolve("scaled.gguf"), "x");
        Path p = predictorBeside(model, Map.of(PredictorWeights.SCALE_KEY, "2"));
        assertEquals(2, parse().options(model).scale());
        assertEquals(1, parse("--guidance-scale", "1").options(model).scale());
        assertTrue(parse().describe(model).contains("scale=2.0"), parse().describe(model));
        assertFalse(parse("--guidance-scale", "1").describe(model).contains(" scale="), "the paper's strength is described as before it existed");
        var flag = assertThrows(dev.bgl.util.BglException.class, () -> parse("--guidance-scale", "0").options(model));
        assertTrue(flag.getMessage().startsWith("--guidance-scale: ") && flag.getMessage().contains("got 0.0"), flag.getMessage());
        predictorBeside(model, Map.of(PredictorWeights.SCALE_KEY, "strong"));
        var word = assertThrows(dev.bgl.util.BglException.class, () -> parse().options(model));
        assertTrue(word.getMessage().contains(p.toString()) && word.getMessage().contains(PredictorWeights.SCALE_KEY)
                && word.getMessage().contains("'strong'"), word.getMessage());
        predictorBeside(model, Map.of(PredictorWeights.SCALE_KEY, "-3"));
        var negative = assertThrows(dev.bgl.util.BglException.class, () -> parse().options(model));
        assertTrue(negative.getMessage().contains(p.toString()) && negative.getMessage().contains("got -3.0"), negative.getMessage());
    }

    @Test
    void aRecordedLookaheadAppliesUnlessTheFlagSaysOtherwiseAndABadOneIsNamed() throws Exception {
        Path model = Files.writeString(dir.resolve("ahead.gguf"), "x");
        Path p = predictorBeside(model, Map.of(PredictorWeights.LOOKAHEAD_KEY, "3"));
        assertEquals(3, parse().options(model).lookahead());
        assertEquals(0, parse("--lookahead", "0").options(model).lookahead());
        assertTrue(parse().describe(model).contains(" lookahead=3"), parse().describe(model));
        assertFalse(parse("--lookahead", "0").describe(model).contains("lookahead"), "no lookahead is described as before it existed");
        var flag = assertThrows(dev.bgl.util.BglException.class, () -> parse("--lookahead", "-1").options(model));
        assertTrue(flag.getMessage().startsWith("--lookahead: ") && flag.getMessage().contains("got -1"), flag.getMessage());
        var many = assertThrows(dev.bgl.util.BglException.class, () -> parse("--lookahead", "17").options(model));
        assertTrue(many.getMessage().contains("0..16") && many.getMessage().contains("got 17"), many.getMessage());
        predictorBeside(model, Map.of(PredictorWeights.LOOKAHEAD_KEY, "2.5"));
        var half = assertThrows(dev.bgl.util.BglException.class, () -> parse().options(model));
        assertTrue(half.getMessage().contains(p.toString()) && half.getMessage().contains(PredictorWeights.LOOKAHEAD_KEY)
                && half.getMessage().contains("'2.5'"), half.getMessage());
        predictorBeside(model, Map.of(PredictorWeights.LOOKAHEAD_KEY, "99"));
        var big = assertThrows(dev.bgl.util.BglException.class, () -> parse().options(model));
        assertTrue(big.getMessage().contains(p.toString()) && big.getMessage().contains("got 99"), big.getMessage());
    }

    @Test
    void withoutRecommendationsThePapersDefaultsApply() throws Exception {
        Path model = Files.writeString(dir.resolve("plain.gguf"), "x");
        predictorBeside(model, Map.of());
        GuidanceOptions o = parse().options(model);
        assertEquals(GuidanceOptions.DEFAULT, o);
    }

    @Test
    void anExplicitPredictorIsUsedAndAMissingOneIsAClearError() throws Exception {
        Path model = Files.writeString(dir.resolve("m2.gguf"), "x");
        var e = assertThrows(dev.bgl.util.BglException.class, () -> parse("--predictor", dir.resolve("none.safetensors").toString()).loadWeights(model));
        assertTrue(e.getMessage().contains("none.safetensors: no such file"), e.getMessage());
        var bad = assertThrows(dev.bgl.util.BglException.class, () -> parse("--mask", "1,2").options(model));
        assertTrue(bad.getMessage().contains("--mask needs three numbers"), bad.getMessage());
    }
}
