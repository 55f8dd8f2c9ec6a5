package dev.bgl.budget.predictor;

import dev.bgl.util.BglException;

/**
 * Shape of a budget predictor (Li et al. 2025): hidden states of width {@code hidden} from the LLM
 * are projected to {@code width}, a BERT-style post-LayerNorm encoder of {@code layers} layers with
 * {@code heads} heads and an FFN of {@code ffn} reads them with a CLS vector in front, and two heads
 * give a Gamma(α, λ) per vocabulary token.
 *
 * @param hidden    the LLM's hidden size H
 * @param width     encoder width d (paper: 768)
 * @param layers    encoder layers (paper: 12)
 * @param heads     attention heads (paper: 12); width must divide by it
 * @param ffn       FFN inner size (BERT: 4·width)
 * @param vocab     vocabulary size V of the LLM (rows of each head)
 * @param layerNormEps LayerNorm epsilon (BERT: 1e-12)
 */
public record PredictorConfig(int hidden, int width, int layers, int heads, int ffn, int vocab, float layerNormEps) {
    public static final float BERT_EPS = 1e-12f;

    public PredictorConfig {
        check("hidden size", hidden);
        check("width", width);
        if (layers < 0) throw new BglException("predictor: layers must be >= 0, got " + layers);
        check("heads", heads);
        check("ffn size", ffn);
        check("vocabulary size", vocab);
        if (width % heads != 0)
            throw new BglException("predictor: width " + width + " does not divide into " + heads + " heads");
        if (!(layerNormEps > 0)) throw new BglException("predictor: LayerNorm epsilon must be > 0, got " + layerNormEps);
    }

    /** A BERT-shaped predictor: FFN 4·width, epsilon 1e-12. */
    public static PredictorConfig bert(int hidden, int width, int layers, int heads, int vocab) {
        return new PredictorConfig(hidden, width, layers, heads, 4 * width, vocab, BERT_EPS);
    }

    public int headDim() {
        return width / heads;
    }

    private static void check(String what, int v) {
        if (v <= 0) throw new BglException("predictor: " + what + " must be > 0, got " + v);
    }
}
