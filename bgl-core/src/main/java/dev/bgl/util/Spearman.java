package dev.bgl.util;

import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;

/**
 * Spearman's rank correlation (ties given their average rank), from Commons Math; a sample with no
 * spread in either variable has no correlation to show and gives 0, where Commons Math gives NaN,
 * so reports print a number.
 */
public final class Spearman {
    private Spearman() {
    }

    public static double rho(double[] x, double[] y) {
        if (x.length != y.length || x.length < 2) throw new IllegalArgumentException("need two samples of equal length >= 2");
        double r = new SpearmansCorrelation().correlation(x, y);
        return Double.isNaN(r) ? 0 : r;
    }
}
