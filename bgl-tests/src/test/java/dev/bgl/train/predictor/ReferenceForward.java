package dev.bgl.train.predictor;

import dev.bgl.budget.predictor.PredictorConfig;
import dev.bgl.budget.predictor.PredictorWeights;

/**
 * The predictor's forward written plainly from its specification, in double, on the weights
 * container (official names): an independent check of {@link PredictorNet}.
 */
final class ReferenceForward {
    private ReferenceForward() {
    }

    /** {α, λ} of token v for one position's hidden vectors (embedding, layers 0..N−2, final norm). */
    static double[] alphaLambda(PredictorWeights w, float[][] hidden, int v) {
        PredictorConfig c = w.config();
        int d = c.width(), S = hidden.length + 1;
        double[][] x = new double[S][];
        x[0] = linear(w.inW(), w.inB(), toDouble(w.cls()), d);
        for (int i = 0; i < hidden.length; i++) x[i + 1] = linear(w.inW(), w.inB(), toDouble(hidden[i]), d);
        for (PredictorWeights.Layer l : w.layers()) {
            double[][] q = new double[S][], k = new double[S][], val = new double[S][];
            for (int i = 0; i < S; i++) {
                q[i] = linear(l.qW(), l.qB(), x[i], d);
                k[i] = linear(l.kW(), l.kB(), x[i], d);
                val[i] = linear(l.vW(), l.vB(), x[i], d);
            }
            int hd = c.headDim();
            double[][] ctx = new double[S][d];
            for (int h = 0; h < c.heads(); h++)
                for (int i = 0; i < S; i++) {
                    double[] s = new double[S];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < S; j++) {
                        for (int t = 0; t < hd; t++) s[j] += q[i][h * hd + t] * k[j][h * hd + t];
                        s[j] /= Math.sqrt(hd);
                        max = Math.max(max, s[j]);
                    }
                    for (int j = 0; j < S; j++) sum += s[j] = Math.exp(s[j] - max);
                    for (int j = 0; j < S; j++) for (int t = 0; t < hd; t++) ctx[i][h * hd + t] += s[j] / sum * val[j][h * hd + t];
                }
            double[][] y = new double[S][];
            for (int i = 0; i < S; i++) {
                double[] a = linear(l.attnOutW(), l.attnOutB(), ctx[i], d);
                for (int j = 0; j < d; j++) a[j] += x[i][j];
                double[] h1 = layerNorm(a, l.attnLnW(), l.attnLnB(), c.layerNormEps());
                double[] f = linear(l.ffnInW(), l.ffnInB(), h1, c.ffn());
                for (int j = 0; j < f.length; j++) f[j] = 0.5 * f[j] * (1 + erf(f[j] / Math.sqrt(2)));
                double[] o = linear(l.ffnOutW(), l.ffnOutB(), f, d);
                for (int j = 0; j < d; j++) o[j] += h1[j];
                y[i] = layerNorm(o, l.outLnW(), l.outLnB(), c.layerNormEps());
            }
            x = y;
        }
        double a = 0, r = 0;
        for (int j = 0; j < d; j++) {
            a += w.alphaHead()[v * d + j] * x[0][j];
            r += w.lamHead()[v * d + j] * x[0][j];
        }
        return new double[]{Math.log1p(Math.exp(a)), Math.log1p(Math.exp(r))};
    }

    private static double[] toDouble(float[] a) {
        double[] o = new double[a.length];
        for (int i = 0; i < a.length; i++) o[i] = a[i];
        return o;
    }

    private static double[] linear(float[] w, float[] b, double[] x, int out) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = b[o];
            for (int i = 0; i < x.length; i++) s += w[o * x.length + i] * x[i];
            y[o] = s;
        }
        return y;
    }

    private static double[] layerNorm(double[] x, float[] g, float[] b, double eps) {
        double mean = 0, var = 0;
        for (double v : x) mean += v;
        mean /= x.length;
        for (double v : x) var += (v - mean) * (v - mean);
        var /= x.length;
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (x[i] - mean) / Math.sqrt(var + eps) * g[i] + b[i];
        return y;
    }

    /** erf by its Taylor series (|x| small) or continued fraction: independent of the trainer's approximation. */
    static double erf(double x) {
        return org.apache.commons.math3.special.Erf.erf(x);
    }
}
