package dev.bgl.decode;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SamplerTest {
    static final float[] LOGITS = {0f, 2f, 1f, -1f, 3f, Float.NEGATIVE_INFINITY};

    static int[] histogram(SamplerConfig c, int draws) {
        Sampler s = new Sampler(c);
        int[] h = new int[LOGITS.length];
        for (int i = 0; i < draws; i++) h[s.sample(LOGITS.clone(), LOGITS.length)]++;
        return h;
    }

    @Test
    void greedyTakesTheArgmax() {
        assertEquals(4, new Sampler(SamplerConfig.GREEDY).sample(LOGITS.clone(), LOGITS.length));
    }

    @Test
    void temperatureOneDrawsFromTheSoftmax() {
        int n = 200_000;
        int[] h = histogram(SamplerConfig.temperature(1f, 3), n);
        double z = 0;
        for (float l : LOGITS) z += Math.exp(l);
        for (int i = 0; i < LOGITS.length; i++) {
            double expected = Math.exp(LOGITS[i]) / z;
            assertEquals(expected, h[i] / (double) n, 0.005, "token " + i);
        }
        assertEquals(0, h[5], "a -inf logit is never drawn");
    }

    @Test
    void topKKeepsOnlyTheBestK() {
        int[] h = histogram(new SamplerConfig(1f, 2, 1f, 0f, 5), 20_000);
        assertEquals(0, h[0] + h[2] + h[3] + h[5]);
        // between the two kept tokens the odds are e^(3-2)
        assertEquals(Math.E, h[4] / (double) h[1], 0.15);
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // probabilities sorted: 3 -> .665, 2 -> .245, 1 -> .090, ...; p = 0.8 keeps tokens 4 and 1
        int[] h = histogram(new SamplerConfig(1f, 0, 0.8f, 0f, 9), 20_000);
        assertTrue(h[4] > 0 && h[1] > 0);
        assertEquals(0, h[0] + h[2] + h[3] + h[5]);
    }

    @Test
    void minPDropsTokensFarBelowTheTop() {
        // min-p 0.2: keep tokens with p >= 0.2 * p_max, i.e. logit >= 3 + ln 0.2 = 1.39 -> tokens 4 and 1
        int[] h = histogram(new SamplerConfig(1f, 0, 1f, 0.2f, 4), 20_000);
        assertTrue(h[4] > 0 && h[1] > 0);
        assertEquals(0, h[0] + h[2] + h[3]);
    }

    @Test
    void lowTemperatureSharpensAndTheSeedReproduces() {
        int[] cold = histogram(SamplerConfig.temperature(0.1f, 1), 5_000);
        assertTrue(cold[4] > 4_900, "T=0.1 should nearly always pick the best");
        assertArrayEquals(histogram(SamplerConfig.temperature(1f, 77), 1000), histogram(SamplerConfig.temperature(1f, 77), 1000));
    }

    @Test
    void aConfigBecomesLlamaCppsChainOfLinks() {
        assertEquals(java.util.List.of(new SamplerLink.Greedy()), Sampler.chain(SamplerConfig.GREEDY));
        var links = Sampler.chain(new SamplerConfig(0.7f, 20, 0.95f, 0.05f, 3));
        assertEquals(java.util.List.of(new SamplerLink.TopK(20), new SamplerLink.TopP(0.95f), new SamplerLink.MinP(0.05f),
                new SamplerLink.Temperature(0.7f)), links.subList(0, 4));
        assertInstanceOf(SamplerLink.Distribution.class, links.get(4), "the draw comes last");
        // filters that are off are not in the chain
        assertEquals(2, Sampler.chain(SamplerConfig.temperature(1f, 0)).size());
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(dev.bgl.util.BglException.class, () -> new SamplerConfig(-1f, 0, 1f, 0f, 0));
        assertThrows(dev.bgl.util.BglException.class, () -> new SamplerConfig(1f, 0, 0f, 0f, 0));
        assertThrows(dev.bgl.util.BglException.class, () -> new SamplerConfig(1f, -3, 1f, 0f, 0));
        assertThrows(dev.bgl.util.BglException.class, () -> new SamplerConfig(Float.NaN, 0, 1f, 0f, 0));
    }
}
