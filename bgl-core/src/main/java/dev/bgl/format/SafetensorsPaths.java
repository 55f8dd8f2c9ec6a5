package dev.bgl.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Resolves a file name found inside a model folder (a shard named by an index, {@code config.json})
 * so that it cannot escape the folder: names that are absolute or have a {@code ..} component are
 * refused, and the resolved file, after following symlinks, must lie inside the folder. An index
 * file is untrusted input; without this a downloaded checkpoint could make us map any file.
 *
 * <p>One exception keeps the Hugging Face hub cache working: there a snapshot folder
 * {@code <repo>/snapshots/<rev>/} holds symlinks into {@code <repo>/blobs/}, so for a folder whose
 * parent is named {@code snapshots} the sibling {@code blobs} folder of that same repository is
 * allowed too.
 */
public final class SafetensorsPaths {
    private SafetensorsPaths() {
    }

    /**
     * The real path of {@code name} inside {@code folder}; {@code what} names it in errors
     * ("shard 'x.safetensors'"), {@code source} is the file that named it (for the error's path).
     */
    public static Path resolve(Path folder, String name, String what, Path source) {
        if (name.isEmpty()) throw new FormatException(source, what + ": empty file name");
        Path rel;
        try {
            rel = Path.of(name);
        } catch (InvalidPathException e) {
            throw new FormatException(source, what + ": invalid file name");
        }
        if (rel.isAbsolute() || name.startsWith("/") || name.startsWith("\\"))
            throw new FormatException(source, what + ": absolute path refused; files must lie in the model folder");
        for (Path part : rel)
            if (part.toString().equals(".."))
                throw new FormatException(source, what + ": '..' in the name refused; files must lie in the model folder");
        Path root = realFolder(folder);
        Path target = root.resolve(rel);
        if (!Files.exists(target)) throw new FormatException(source, what + ": no such file " + target);
        Path real;
        try {
            real = target.toRealPath();
        } catch (IOException e) {
            throw new FormatException(source, what + ": cannot resolve " + target + ": " + e.getMessage());
        }
        if (!real.startsWith(root) && !inHubBlobs(root, real))
            throw new FormatException(source, what + ": resolves to " + real + ", outside the model folder " + root + "; refused");
        if (!Files.isRegularFile(real)) throw new FormatException(source, what + ": " + real + " is not a regular file");
        return real;
    }

    /** The folder's real path, or a clear error when it is not a folder. */
    public static Path realFolder(Path folder) {
        if (!Files.isDirectory(folder)) throw new FormatException(folder, "not a folder");
        try {
            return folder.toRealPath();
        } catch (IOException e) {
            throw new FormatException(folder, "cannot resolve folder: " + e.getMessage());
        }
    }

    private static boolean inHubBlobs(Path root, Path real) {
        Path snapshots = root.getParent();
        if (snapshots == null || snapshots.getFileName() == null || !snapshots.getFileName().toString().equals("snapshots"))
            return false;
        Path blobs = snapshots.resolveSibling("blobs");
        if (!Files.isDirectory(blobs)) return false;
        try {
            return real.startsWith(blobs.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads a small JSON/text file that must exist, refusing anything over {@code maxBytes}. */
    static byte[] readSmall(Path file, long maxBytes) {
        try {
            long size = Files.size(file);
            if (size > maxBytes) throw new FormatException(file, "is " + size + " bytes, over the limit of " + maxBytes);
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new FormatException(file, "cannot read: " + e.getMessage());
        }
    }
}
