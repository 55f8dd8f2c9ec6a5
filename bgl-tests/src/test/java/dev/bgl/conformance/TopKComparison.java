package dev.bgl.conformance;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * bgl's next-token distributions against llama.cpp's top-k at every position: the largest
 * |p − p_llama.cpp| over the reference's top tokens, and over any other token whose probability
 * passes the reference's smallest listed one (a token llama.cpp ranks lower must not be likelier
 * in bgl than its floor). Also the mean top probability, to tell a test model whose distributions
 * are too flat or too certain to test anything.
 */
record TopKComparison(double maxDiff, double meanTop) {
    /** @param logits {@code seq × vocab} logits of bgl; {@code ref} the reference's {@code probs} answer */
    static TopKComparison of(float[] logits, JsonNode ref, int seq, int vocab) {
        double maxDiff = 0, topSum = 0;
        for (int pos = 0; pos < seq; pos++) {
            double[] p = LogitsConformanceTest.softmax(logits, pos * vocab, vocab);
            JsonNode refTop = ref.get("probs").get(pos);
            double refFloor = refTop.get(refTop.size() - 1).get(1).asDouble();
            boolean[] seen = new boolean[vocab];
            for (JsonNode e : refTop) {
                int id = e.get(0).asInt();
                seen[id] = true;
                maxDiff = Math.max(maxDiff, Math.abs(p[id] - e.get(1).asDouble()));
            }
            for (int id = 0; id < vocab; id++)
                if (!seen[id] && p[id] > refFloor) maxDiff = Math.max(maxDiff, p[id] - refFloor);
            topSum += refTop.get(0).get(1).asDouble();
        }
        return new TopKComparison(maxDiff, topSum / seq);
    }
}
