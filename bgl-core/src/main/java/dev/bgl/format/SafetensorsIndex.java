package dev.bgl.format;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code model.safetensors.index.json} of a sharded checkpoint: {@code weight_map} maps each tensor
 * name to the shard file holding it. Shard names are kept as written; {@link SafetensorsPaths}
 * checks them when the shards are opened.
 */
public record SafetensorsIndex(Path path, Map<String, String> weightMap) {
    public static final String FILE_NAME = "model.safetensors.index.json";
    static final long MAX_BYTES = 100_000_000L;

    public static SafetensorsIndex read(Path path) {
        return parse(path, SafetensorsPaths.readSmall(path, MAX_BYTES));
    }

    /** The index held in {@code content}; {@code path} names it in errors. */
    static SafetensorsIndex parse(Path path, byte[] content) {
        JsonNode root = SafetensorsParser.readJson(path, content, "index");
        JsonNode wm = root.get("weight_map");
        if (wm == null) throw new FormatException(path, "missing 'weight_map'");
        if (!wm.isObject()) throw new FormatException(path, "'weight_map' is not a JSON object");
        Map<String, String> map = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = wm.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual())
                throw new FormatException(path, "weight_map entry '" + e.getKey() + "' is not a file name string");
            map.put(e.getKey(), e.getValue().asText());
        }
        if (map.isEmpty()) throw new FormatException(path, "'weight_map' is empty");
        return new SafetensorsIndex(path, Collections.unmodifiableMap(map));
    }
}
