package dev.bgl.tasks;

import java.nio.charset.StandardCharsets;

/**
 * Which side of the held-out split a problem is on. Decided by a hash of the question text alone, so
 * the same question lands on the same side whatever seed, family mix or style produced it: evaluation
 * never sees a question the trainer saw.
 */
public enum Split {
    TRAIN, TEST;

    public static Split of(String question, double testFraction) {
        long h = 0xcbf29ce484222325L; // FNV-1a 64, then a splitmix finaliser so low bits are uniform
        for (byte b : question.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        double u = (h >>> 11) * 0x1.0p-53;
        return u < testFraction ? TEST : TRAIN;
    }
}
