package dev.bgl.train.predictor;

import dev.bgl.decode.LoadedModel;
import dev.bgl.format.GgmlType;
import dev.bgl.model.Architecture;
import dev.bgl.model.RandomModelMaker;
import dev.bgl.tokenizer.ByteLevelVocab;

import java.nio.file.Path;

/** A small random Qwen3 GGUF with bgl's byte-level vocabulary (which has the think markers). */
final class TinyModel {
    private TinyModel() {
    }

    static LoadedModel open(Path dir, int layers) throws Exception {
        var vocab = ByteLevelVocab.spec();
        Path f = dir.resolve("tiny-" + layers + ".gguf");
        RandomModelMaker.write(new RandomModelMaker.Spec(Architecture.QWEN3, GgmlType.F32, layers, 32, 2, 1, 16, 64,
                vocab.vocabSize(), 512, 1e6f, 1e-6f, false, 3, "tiny"), vocab::writeTo, f);
        return LoadedModel.open(f);
    }
}
