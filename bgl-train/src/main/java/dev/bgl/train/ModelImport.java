package dev.bgl.train;

import dev.bgl.format.GgufFile;
import dev.bgl.format.GgufTensorInfo;
import dev.bgl.tensor.Tensor;
import dev.bgl.util.BglException;

import java.nio.file.Path;

/**
 * Reads a model that {@link ModelExport} wrote back into the trainer's flat parameter array, so a
 * shipped model can be fine-tuned on a changed curriculum ({@code train-model --init}) instead of
 * trained again from scratch. Every tensor of the {@link ParamLayout} must be present with exactly
 * its shape; anything else is an error naming the file and the tensor.
 */
public final class ModelImport {
    private ModelImport() {
    }

    public static float[] params(Path gguf, TrainConfig c) {
        ParamLayout layout = new ParamLayout(c);
        float[] params = new float[layout.size()];
        try (GgufFile f = GgufFile.open(gguf)) {
            for (ParamLayout.View v : layout.views()) {
                GgufTensorInfo info = f.tensors().get(v.name());
                if (info == null) throw new BglException(gguf + ": no tensor '" + v.name() + "' (is it a model train-model wrote with these sizes?)");
                long[] dims = info.dims();
                long cols = dims[0], rows = dims.length > 1 ? dims[1] : 1;
                if (cols != v.cols() || rows != v.rows() || dims.length > 2)
                    throw new BglException(gguf + ": tensor '" + v.name() + "' is " + java.util.Arrays.toString(dims)
                            + ", the model being trained needs [" + v.cols() + (v.rows() > 1 ? ", " + v.rows() : "") + "]");
                float[] values = new Tensor(v.name(), info.type(), f.data(info), v.rows(), v.cols()).toFloats();
                System.arraycopy(values, 0, params, v.offset(), v.size());
            }
        }
        return params;
    }
}
