package dev.bgl.util;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SpearmanTest {
    @Test
    void handComputedValues() {
        assertEquals(1.0, Spearman.rho(new double[]{1, 2, 3}, new double[]{10, 20, 300}), 1e-12);
        assertEquals(-1.0, Spearman.rho(new double[]{1, 2, 3}, new double[]{3, 2, 1}), 1e-12);
        // ties take average ranks: y ranks 1, 2, 3.5, 5, 3.5 -> 8 / sqrt(10 * 9.5)
        assertEquals(8 / Math.sqrt(95), Spearman.rho(new double[]{1, 2, 3, 4, 5}, new double[]{5, 6, 7, 8, 7}), 1e-12);
    }

    @Test
    void noSpreadIsNoCorrelation() {
        assertEquals(0.0, Spearman.rho(new double[]{1, 1, 1}, new double[]{1, 2, 3}));
        assertEquals(0.0, Spearman.rho(new double[]{1, 2, 3}, new double[]{4, 4, 4}));
    }
}
