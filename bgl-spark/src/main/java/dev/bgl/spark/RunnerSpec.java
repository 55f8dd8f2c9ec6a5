package dev.bgl.spark;

import dev.bgl.chat.ThinkingMarkers;
import dev.bgl.budget.BudgetRunner;
import dev.bgl.budget.predictor.BudgetPredictor;
import dev.bgl.budget.GuidanceOptions;
import dev.bgl.budget.predictor.PredictorWeights;
import dev.bgl.decode.LoadedModel;
import dev.bgl.model.KvCacheType;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * How an executor makes the runner of a sample, as plain values sent with each task: the model (a path every node
 * can read), its KV cache type and tokenizer folder, the predictor for {@code guided} and its options, the answer
 * cap. {@link #create} builds what the local command's runner factory builds from the same options.
 *
 * @param shipped   the model, tokenizer folder and predictor travel with the application ({@code SparkContext.addFile},
 *                  {@code --spark-ship-model}): executors open their copies ({@code SparkFiles.get(name)}), not the paths
 * @param predictor null without a predictor
 * @param answerMax null: the model card's cap
 */
public record RunnerSpec(String model, String tokenizer, String kvType, String predictor, int predictorHeads,
                         double minLambda, double minAlpha, double minModeLength, boolean everyToken, boolean allCandidates,
                         double candidateTopP, int candidateTopK, double candidateFloor, int ceilingGrace,
                         boolean forceFinalAnswer, String finalAnswerText, double minP, double scale, int lookahead, Integer answerMax,
                         String thinkingFormat, boolean shipped) implements Serializable {

    public static RunnerSpec of(Path model, Path tokenizer, KvCacheType kv, Path predictor, int predictorHeads, GuidanceOptions o,
                                Integer answerMax) {
        return new RunnerSpec(model.toAbsolutePath().toString(), tokenizer == null ? null : tokenizer.toAbsolutePath().toString(),
                kv.name(), predictor == null ? null : predictor.toAbsolutePath().toString(), predictorHeads, o.minLambda(), o.minAlpha(),
                o.minModeLength(), o.everyToken(), o.allCandidates(), o.candidateTopP(), o.candidateTopK(), o.candidateFloor(),
                o.ceilingGrace(), o.forceFinalAnswer(), o.finalAnswerText(), o.minP(), o.scale(), o.lookahead(), answerMax, null, false);
    }

    /** The same with the driver's --thinking-format (null: each executor takes the one the model's template shows), as OPEN,CLOSE. */
    public RunnerSpec withThinkingFormat(ThinkingMarkers f) {
        return new RunnerSpec(model, tokenizer, kvType, predictor, predictorHeads, minLambda, minAlpha, minModeLength, everyToken,
                allCandidates, candidateTopP, candidateTopK, candidateFloor, ceilingGrace, forceFinalAnswer, finalAnswerText, minP,
                scale, lookahead, answerMax, f == null ? null : f.open() + "," + f.close(), shipped);
    }

    /** The same with the files shipped (true) or read at their paths on every node (false). */
    public RunnerSpec withShipped(boolean ship) {
        return new RunnerSpec(model, tokenizer, kvType, predictor, predictorHeads, minLambda, minAlpha, minModeLength, everyToken,
                allCandidates, candidateTopP, candidateTopK, candidateFloor, ceilingGrace, forceFinalAnswer, finalAnswerText, minP,
                scale, lookahead, answerMax, thinkingFormat, ship);
    }

    /** The files {@link #shipped} sends: the model, the tokenizer folder and the predictor that are given. */
    java.util.List<String> files() {
        java.util.List<String> out = new java.util.ArrayList<>(java.util.List.of(model));
        if (tokenizer != null) out.add(tokenizer);
        if (predictor != null) out.add(predictor);
        return out;
    }

    /** The thinking format the driver gave, or null. */
    ThinkingMarkers format() {
        return thinkingFormat == null ? null : ThinkingMarkers.parse(thinkingFormat);
    }

    GuidanceOptions guidance() {
        return new GuidanceOptions(minLambda, minAlpha, minModeLength, everyToken, allCandidates, candidateTopP, candidateTopK,
                candidateFloor, ceilingGrace, forceFinalAnswer, finalAnswerText, minP, scale, lookahead);
    }

    KvCacheType kv() {
        return KvCacheType.valueOf(kvType);
    }

    /** The runner for one thread of an executor; the predictor's weights come from the JVM's cache. */
    BudgetRunner create(LoadedModel m, PredictorWeights weights) {
        BudgetRunner r = new BudgetRunner(m, weights == null ? null : BudgetPredictor.forModel(weights, m), guidance());
        return answerMax == null ? r : r.withAnswerMax(answerMax);
    }
}
