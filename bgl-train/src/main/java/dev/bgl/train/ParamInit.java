package dev.bgl.train;

/**
 * GPT-2 / llm.c initialisation: weights normal(0, 0.02), the projections that write into the
 * residual stream (attn_output, ffn_down) scaled by 1/sqrt(2·layers) so that the stream's variance
 * does not grow with depth, norm gains 1.
 */
public final class ParamInit {
    public static final float STD = 0.02f;

    private ParamInit() {
    }

    public static float[] init(ParamLayout layout, Rng rng) {
        float[] p = new float[layout.size()];
        float residualStd = STD / (float) Math.sqrt(2.0 * layout.layers());
        for (ParamLayout.View v : layout.views()) {
            boolean residual = v.name().endsWith("attn_output.weight") || v.name().endsWith("ffn_down.weight");
            for (int i = 0; i < v.size(); i++)
                p[v.offset() + i] = switch (v.kind()) {
                    case NORM -> 1f;
                    case EMBEDDING, MATRIX -> (float) (rng.nextGaussian() * (residual ? residualStd : STD));
                };
        }
        return p;
    }
}
