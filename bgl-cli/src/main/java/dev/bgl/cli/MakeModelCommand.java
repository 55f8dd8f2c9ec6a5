package dev.bgl.cli;

import dev.bgl.format.GgmlType;
import dev.bgl.model.Architecture;
import dev.bgl.model.ExpertConfig;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.model.RopeScaling;
import dev.bgl.tokenizer.TokenizerGguf;
import dev.bgl.util.BglException;
import dev.bgl.util.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "make-model", mixinStandardHelpOptions = true,
        description = "Write a random-weight model as GGUF (for conformance tests and benchmarks; llama.cpp loads it too).")
final class MakeModelCommand implements Callable<Integer> {
    @Option(names = "--arch", required = true, description = "llama, qwen2, qwen3, qwen3moe or gpt-oss") String arch;
    @Option(names = "--type", defaultValue = "F32", description = "Matrix type: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL, MXFP4, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS, or the llama.cpp mixes Q4_K_M, Q5_K_M, MXFP4_MOE (experts MXFP4, the rest Q8_0) (default ${DEFAULT-VALUE})") String type;
    @Option(names = "--expert-type", description = "qwen3moe, gpt-oss: the expert matrices' type when it differs from --type (e.g. MXFP4, as gpt-oss ships)") String expertType;
    @Option(names = "--sliding-window", description = "gpt-oss: keys a query sees on the sliding-window (even) layers (default 128, gpt-oss's own)") Integer slidingWindow;
    @Option(names = "--layers", defaultValue = "2") int layers;
    @Option(names = "--dim", defaultValue = "256") int dim;
    @Option(names = "--heads", defaultValue = "4") int heads;
    @Option(names = "--kv-heads", description = "KV heads (default: --heads)") Integer kvHeads;
    @Option(names = "--head-dim", description = "Per-head size (default: dim / heads)") Integer headDim;
    @Option(names = "--ffn", description = "Feed-forward size (default: 3 x dim, rounded up to 32, or to 256 for K-quants)") Integer ffn;
    @Option(names = "--experts", description = "qwen3moe: experts per layer (default 8)") Integer experts;
    @Option(names = "--experts-used", description = "qwen3moe: experts the router picks per token (default 2)") Integer expertsUsed;
    @Option(names = "--expert-ffn", description = "qwen3moe: each expert's feed-forward size (default: --ffn's default / 4, rounded up like it)") Integer expertFfn;
    @Option(names = "--context", defaultValue = "4096") int context;
    @Option(names = "--rope-base", description = "RoPE base (default: 10000 for llama, 150000 for gpt-oss, 1000000 for qwen)") Float ropeBase;
    @Option(names = "--rope-scaling", paramLabel = "linear:F|yarn:F[:ORIG]",
            description = "Declare RoPE scaling: linear by factor F, or YaRN by factor F from an original context ORIG (default: --context)") String ropeScaling;
    @Option(names = "--rope-freqs", paramLabel = "F[:ORIG]",
            description = "llama only: write Llama 3.1's rope_freqs.weight for factor F (low 1, high 4) from an original context ORIG (default 8192)") String ropeFreqs;
    @Option(names = "--rms-eps", defaultValue = "1e-6") float rmsEps;
    @Option(names = "--tied", description = "Reuse token_embd as the output head.") boolean tied;
    @Option(names = "--vocab-from", required = true, description = "tokenizer.json whose vocabulary, merges and chat template the model gets (--arch gpt-oss with"
            + " o200k_base, gpt-4o's: o200k_harmony, gpt-oss's own, with harmony's control tokens and chat template)") Path vocabFrom;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Parameters(index = "0", paramLabel = "OUT.gguf") Path out;

    @Override
    public Integer call() throws Exception {
        Architecture a = Architecture.byName(arch);
        if (a == null) throw new BglException("--arch: unknown architecture '" + arch + "' (llama, qwen2, qwen3, qwen3moe or gpt-oss)");
        RandomModelMaker.Mix mix = RandomModelMaker.Mix.UNIFORM;
        GgmlType t = GgmlType.byName(type);
        GgmlType et = null;
        if (expertType != null) {
            et = GgmlType.byName(expertType);
            if (et == null || !dev.bgl.tensor.TypeKernel.supported(et))
                throw new BglException("--expert-type: cannot write '" + expertType + "' (" + dev.bgl.tensor.TypeKernel.SUPPORTED + ")");
        }
        if (type.equalsIgnoreCase("MXFP4_MOE")) { // llama-quantize's ftype: experts MXFP4, every other matrix Q8_0
            if (!a.mixtureOfExperts()) throw new BglException("--type MXFP4_MOE is for qwen3moe and gpt-oss, not " + arch);
            t = GgmlType.Q8_0;
            et = GgmlType.MXFP4;
        }
        if (type.equalsIgnoreCase("Q4_K_M") || type.equalsIgnoreCase("Q5_K_M")) {
            t = GgmlType.byName(type.substring(0, 4));
            mix = RandomModelMaker.Mix.K_M;
        }
        if (t == null || !dev.bgl.tensor.TypeKernel.supported(t))
            throw new BglException("--type: cannot write '" + type + "' (" + dev.bgl.tensor.TypeKernel.SUPPORTED + ", Q4_K_M, Q5_K_M, MXFP4_MOE)");
        if (!Files.isRegularFile(vocabFrom)) throw new BglException("--vocab-from: no such file: " + vocabFrom);
        int kv = kvHeads == null ? heads : kvHeads;
        if (heads <= 0 || dim <= 0 || kv <= 0) throw new BglException("--dim, --heads and --kv-heads must be positive");
        int hd = headDim == null ? dim / heads : headDim;
        int round = Math.max(32, t.blockSize); // K-quant rows are whole super-blocks of 256
        int f = ffn == null ? Math.max(round, (dim * 3 + round - 1) / round * round) : ffn;
        ExpertConfig moe = null;
        if (a.mixtureOfExperts()) {
            int n = experts == null ? 8 : experts, k = expertsUsed == null ? 2 : expertsUsed;
            int ef = expertFfn == null ? Math.max(round, (dim * 3 / 4 + round - 1) / round * round) : expertFfn;
            if (n < 1 || k < 1 || ef < 1) throw new BglException("--experts, --experts-used and --expert-ffn must be positive");
            if (k > n) throw new BglException("--experts-used " + k + " exceeds --experts " + n);
            moe = new ExpertConfig(n, k, ef, !a.gptOss()); // gpt-oss softmaxes the chosen k: nothing to renormalise
        } else if (experts != null || expertsUsed != null || expertFfn != null) {
            throw new BglException("--experts, --experts-used and --expert-ffn are for --arch qwen3moe and gpt-oss, not " + arch);
        }
        if (slidingWindow != null && !a.gptOss()) throw new BglException("--sliding-window is for --arch gpt-oss, not " + arch);
        int window = a.gptOss() ? (slidingWindow == null ? 128 : slidingWindow) : 0;
        if (a.gptOss() && window < 1) throw new BglException("--sliding-window must be at least 1, got " + window);
        float base = ropeBase != null ? ropeBase : (a == Architecture.LLAMA ? 10000f : a.gptOss() ? 150000f : 1000000f);
        RopeScaling rope = ropeScaling(context, hd, base);
        var o200k = dev.bgl.tokenizer.Tokenizer.specFromTokenizerJson(vocabFrom);
        // gpt-oss from o200k_base (gpt-4o's tokenizer.json): its own vocabulary, o200k_harmony, with harmony's template
        boolean harmony = a.gptOss() && dev.bgl.tokenizer.HarmonyVocabulary.isO200kBase(o200k);
        var spec = harmony ? dev.bgl.tokenizer.HarmonyVocabulary.of(o200k) : o200k;
        int vocab = spec.vocabSize();
        RandomModelMaker.Spec s;
        try {
            s = new RandomModelMaker.Spec(a, t, layers, dim, heads, kv, hd, f, vocab, context, base, rmsEps, tied, seed,
                    "bgl-random-" + arch + "-" + type.toLowerCase(), mix).withRope(rope).withExperts(moe)
                    .withSlidingWindow(window).withExpertType(et);
        } catch (IllegalArgumentException e) {
            throw new BglException(e.getMessage());
        }
        ProgressBar bar = new ProgressBar("make-model", 1000, System.err);
        RandomModelMaker.write(s, w -> {
                    if (harmony) spec.writeTo(w);
                    else TokenizerGguf.putTokenizerJson(vocabFrom, w, vocab);
                }, out,
                (done, total) -> bar.update(done * 1000 / Math.max(1, total), null));
        bar.finish();
        System.out.printf("wrote %s: %s %s, %d layers, dim %d, %d heads (%d kv, head dim %d), %s, vocab %d%s, rope scaling %s%s, %.1f MB%n",
                out, arch, mix == RandomModelMaker.Mix.K_M ? type.toUpperCase() : t, layers, dim, heads, kv, hd,
                moe == null ? "ffn " + f : moe.count() + " experts (" + moe.used() + " used) of ffn " + moe.ffnDim()
                        + (et == null ? "" : " in " + et), vocab, harmony ? " (o200k_harmony, harmony chat template)" : "", rope.describe(),
                window > 0 ? ", sliding window " + window : "", Files.size(out) / 1e6);
        return 0;
    }

    /** --rope-scaling and --rope-freqs as one {@link RopeScaling}. */
    private RopeScaling ropeScaling(int ctx, int hd, float base) {
        RopeScaling r = RopeScaling.NONE;
        if (ropeScaling != null) {
            String[] p = ropeScaling.split(":");
            String kind = p[0].toLowerCase(java.util.Locale.ROOT);
            if (!(kind.equals("linear") && p.length == 2) && !(kind.equals("yarn") && (p.length == 2 || p.length == 3)))
                throw new BglException("--rope-scaling: '" + ropeScaling + "' is not linear:F or yarn:F[:ORIG]");
            float factor = positive("--rope-scaling", p[1]);
            r = kind.equals("linear") ? RopeScaling.linear(factor) : RopeScaling.yarn(factor, p.length == 3 ? (int) positive("--rope-scaling", p[2]) : ctx);
        }
        if (ropeFreqs != null) {
            String[] p = ropeFreqs.split(":");
            if (p.length > 2) throw new BglException("--rope-freqs: '" + ropeFreqs + "' is not F or F:ORIG");
            float factor = positive("--rope-freqs", p[0]);
            int orig = p.length == 2 ? (int) positive("--rope-freqs", p[1]) : 8192;
            r = r.withFreqFactors(RopeScaling.llama3FreqFactors(hd, base, factor, 1, 4, orig));
        }
        return r;
    }

    private static float positive(String option, String text) {
        try {
            float v = Float.parseFloat(text);
            if (v > 0 && Float.isFinite(v)) return v;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BglException(option + ": '" + text + "' is not a positive number");
    }
}
