package dev.bgl.model;

import dev.bgl.format.FormatException;
import dev.bgl.format.GgufFile;
import dev.bgl.format.GgufMetadata;
import dev.bgl.format.GgufTensorInfo;
import dev.bgl.tensor.Tensor;
import dev.bgl.tensor.TypeKernel;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Model weights and shape from a GGUF file; tensors are views into the file's mapping. */
public final class GgufModelSource implements ModelSource {
    private final GgufFile file;
    private final ModelConfig config;

    public GgufModelSource(GgufFile file) {
        this.file = file;
        this.config = readConfig(file);
    }

    public static GgufModelSource open(Path path) {
        GgufFile f = GgufFile.open(path);
        try {
            return new GgufModelSource(f);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    public GgufFile file() {
        return file;
    }

    static ModelConfig readConfig(GgufFile file) {
        GgufMetadata m = file.meta();
        String archName = m.string("general.architecture");
        Architecture arch = Architecture.byName(archName);
        if (arch == null)
            throw new FormatException(file.path(), "unknown architecture '" + archName + "' (bgl runs llama, qwen2, qwen3)");
        String a = archName + ".";
        int dim = m.intIn(a + "embedding_length", 1, 1 << 16);
        int layers = m.intIn(a + "block_count", 1, 1024);
        int heads = m.intIn(a + "attention.head_count", 1, 1024);
        int kvHeads = m.intIn(a + "attention.head_count_kv", 1, heads, heads);
        if (heads % kvHeads != 0)
            throw new FormatException(file.path(), "attention.head_count " + heads + " is not a multiple of head_count_kv " + kvHeads);
        if (dim % heads != 0 && !m.has(a + "attention.key_length"))
            throw new FormatException(file.path(), "embedding_length " + dim + " is not a multiple of head_count " + heads);
        int headDim = m.intIn(a + "attention.key_length", 2, 1 << 12, dim / heads);
        int vHeadDim = m.intIn(a + "attention.value_length", 1, 1 << 12, headDim);
        if (headDim % 2 != 0) throw new FormatException(file.path(), "attention.key_length " + headDim + " must be even for RoPE");
        int ffn = m.intIn(a + "feed_forward_length", 1, 1 << 20);
        int ctx = m.intIn(a + "context_length", 1, 1 << 24, 4096);
        float eps = (float) m.real(a + "attention.layer_norm_rms_epsilon", 1e-6);
        float theta = (float) m.real(a + "rope.freq_base", 10000.0);
        GgufTensorInfo emb = file.tensor("token_embd.weight");
        if (emb.dims().length != 2 || emb.dims()[0] != dim)
            throw new FormatException(file.path(), "tensor 'token_embd.weight' has shape " + emb.shape() + ", expected [" + dim + ", vocab]");
        int vocab = Math.toIntExact(emb.dims()[1]);
        boolean tied = !file.tensors().containsKey("output.weight");
        return new ModelConfig(arch, vocab, dim, layers, heads, kvHeads, headDim, vHeadDim, ffn, ctx, eps, theta, tied);
    }

    @Override
    public Path path() {
        return file.path();
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public Optional<Tensor> find(String name) {
        GgufTensorInfo t = file.tensors().get(name);
        if (t == null) return Optional.empty();
        if (!TypeKernel.supported(t.type()))
            throw new FormatException(file.path(), "tensor '" + name + "' has type " + t.type() + ", which bgl cannot compute with yet");
        if (t.rows() > Integer.MAX_VALUE || t.cols() > Integer.MAX_VALUE)
            throw new FormatException(file.path(), "tensor '" + name + "' shape " + t.shape() + " is too large");
        return Optional.of(new Tensor(name, t.type(), file.data(t), (int) t.rows(), (int) t.cols()));
    }

    @Override
    public List<String> tensorNames() {
        return List.copyOf(file.tensors().keySet());
    }

    @Override
    public long weightBytes() {
        long n = 0;
        for (GgufTensorInfo t : file.tensors().values()) n += t.byteSize();
        return n;
    }

    @Override
    public void close() {
        file.close();
    }
}
