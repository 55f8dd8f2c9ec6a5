package dev.bgl.model;

import dev.bgl.format.FormatException;
import dev.bgl.format.SafetensorsCheckpoint;
import dev.bgl.format.SafetensorsPaths;
import dev.bgl.format.SafetensorsTensorInfo;
import dev.bgl.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Model weights and shape from a Hugging Face model folder ({@code config.json} plus
 * {@code model.safetensors} or an index and shards). Tensors are offered under their GGUF names and
 * in GGUF layout: an HF {@code [out, in]} matrix is our {@code Tensor(rows=out, cols=in)}, the same
 * bytes, mapped in place. The one exception is llama's Q and K projections, whose rows are
 * permuted into llama.cpp's order ({@link LlamaPermutation}); those are copied once, on first use,
 * into memory this source owns.
 */
public final class HfModelSource implements ModelSource {
    private final Path folder;
    private final SafetensorsCheckpoint checkpoint;
    private final ModelConfig config;
    /** GGUF name → HF name, for the tensors bgl uses, in on-disk order. */
    private final Map<String, String> names;
    private final Arena permuted = Arena.ofShared();
    private final Map<String, Tensor> permutedCache = new ConcurrentHashMap<>();
    /** HF names of the per-expert projections, which {@link #experts} stacks under GGUF names. */
    private final List<String> expertNames;

    private HfModelSource(Path folder, SafetensorsCheckpoint checkpoint, ModelConfig config, Map<String, String> names, List<String> expertNames) {
        this.folder = folder;
        this.checkpoint = checkpoint;
        this.config = config;
        this.names = Collections.unmodifiableMap(names);
        this.expertNames = List.copyOf(expertNames);
    }

    public static HfModelSource open(Path folder) {
        Path root = SafetensorsPaths.realFolder(folder);
        Path configFile = SafetensorsPaths.resolve(root, "config.json", "'config.json'", root);
        HfConfig.Read read = HfConfig.read(configFile);
        SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(root);
        try {
            ModelConfig c = read.config();
            boolean hasHead = ck.has("lm_head.weight");
            boolean tied = read.tied() != null ? read.tied() : !hasHead;
            if (!tied && !hasHead)
                throw new FormatException(configFile, "'tie_word_embeddings' is false but the checkpoint has no 'lm_head.weight'");
            c = c.withTiedEmbeddings(tied);
            Map<String, String> names = new LinkedHashMap<>();
            List<String> expertNames = new ArrayList<>();
            for (String hf : ck.tensors().keySet()) {
                if (HfTensorNames.isExpert(hf)) {
                    expertNames.add(hf);
                    continue;
                }
                String g = HfTensorNames.toGguf(hf);
                if (g == null || (tied && g.equals("output.weight"))) continue;
                names.put(g, hf);
            }
            checkEmbedding(ck, c, configFile);
            return new HfModelSource(root, ck, c, names, expertNames);
        } catch (RuntimeException e) {
            ck.close();
            throw e;
        }
    }

    private static void checkEmbedding(SafetensorsCheckpoint ck, ModelConfig c, Path configFile) {
        SafetensorsTensorInfo emb = ck.info("model.embed_tokens.weight");
        if (emb == null) throw new FormatException(ck.folder(), "missing tensor 'model.embed_tokens.weight'");
        long[] s = emb.shape();
        if (s.length != 2 || s[1] != c.dim())
            throw new FormatException(ck.fileOf(emb.name()), "tensor 'model.embed_tokens.weight' has shape " + emb.shapeString() + ", expected [vocab, " + c.dim() + "]");
        if (s[0] != c.vocabSize())
            throw new FormatException(configFile, "'vocab_size' " + c.vocabSize() + " differs from the " + s[0] + " rows of 'model.embed_tokens.weight'");
    }

    /** The checkpoint underneath (HF names). */
    public SafetensorsCheckpoint checkpoint() {
        return checkpoint;
    }

    @Override
    public Path path() {
        return folder;
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public Optional<Tensor> find(String name) {
        String hf = names.get(name);
        if (hf == null) return Optional.empty();
        int nHead = config.architecture() instanceof Architecture.Llama ? HfTensorNames.permutationHeads(name, config) : 0;
        if (nHead == 0) return Optional.of(view(name, hf));
        return Optional.of(permutedCache.computeIfAbsent(name, n -> permuted(n, hf, nHead)));
    }

    private Tensor view(String name, String hf) {
        SafetensorsTensorInfo t = checkpoint.info(hf);
        Path file = checkpoint.fileOf(hf);
        if (t.dtype().ggml == null)
            throw new FormatException(file, "tensor '" + hf + "' has dtype " + t.dtype() + "; bgl computes with F32, F16, BF16");
        if (t.rows() > Integer.MAX_VALUE || t.cols() > Integer.MAX_VALUE)
            throw new FormatException(file, "tensor '" + hf + "' shape " + t.shapeString() + " is too large");
        return new Tensor(name, t.dtype().ggml, checkpoint.data(hf), (int) t.rows(), (int) t.cols());
    }

    /** Q/K of llama in GGUF row order: the rows (or, for a bias, the elements) of each head reordered. */
    private Tensor permuted(String name, String hf, int nHead) {
        Tensor v = view(name, hf);
        SafetensorsTensorInfo t = checkpoint.info(hf);
        long expected = (long) nHead * config.headDim();
        if (t.shape().length == 0 || t.shape().length > 2 || t.shape()[0] != expected)
            throw new FormatException(checkpoint.fileOf(hf), "tensor '" + hf + "' has shape " + t.shapeString() + ", expected "
                    + expected + " (" + nHead + " heads × " + config.headDim() + ") rows first");
        int units = (int) t.shape()[0];
        MemorySegment data = LlamaPermutation.permuteRows(v.data(), v.data().byteSize() / units,
                LlamaPermutation.hfRowOfGgufRow(units, nHead), permuted);
        return new Tensor(name, v.type(), data, v.rows(), v.cols());
    }

    /** A MoE layer's experts, each its own HF tensor ({@code model.layers.N.mlp.experts.E.gate_proj.weight}), mapped in place. */
    @Override
    public Tensor[] experts(String name, int count) {
        Tensor[] out = new Tensor[count];
        for (int e = 0; e < count; e++) {
            String hf = HfTensorNames.expertToHf(name, e);
            if (hf == null || !checkpoint.has(hf))
                throw new FormatException(folder, "missing tensor '" + (hf == null ? name : hf) + "' (expert " + e + " of " + count + ")");
            out[e] = view(name + "[" + e + "]", hf);
        }
        return out;
    }

    @Override
    public List<String> tensorNames() {
        return new ArrayList<>(names.keySet());
    }

    @Override
    public long weightBytes() {
        long n = 0;
        for (String hf : names.values()) n += checkpoint.info(hf).byteSize();
        for (String hf : expertNames) n += checkpoint.info(hf).byteSize();
        return n;
    }

    @Override
    public void close() {
        checkpoint.close();
        if (permuted.scope().isAlive()) permuted.close();
    }
}
