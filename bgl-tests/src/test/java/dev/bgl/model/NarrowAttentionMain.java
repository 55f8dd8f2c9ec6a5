package dev.bgl.model;

import org.junit.jupiter.params.provider.Arguments;

/**
 * Run by {@link NarrowAttentionTest} in a JVM started with {@code -XX:MaxVectorSize=N}: prints the
 * float lanes attention got, then checks it against plain attention over every cache type
 * ({@link TiledAttentionTest#cases}, and a window with sinks); exits 1 on a mismatch.
 */
public final class NarrowAttentionMain {
    public static void main(String[] args) {
        System.out.println("lanes=" + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() + " ");
        try {
            for (Arguments a : TiledAttentionTest.cases().toList()) {
                Object[] v = a.get();
                TiledAttentionTest.check((KvCacheType) v[0], (int) v[1], (int) v[2], (int) v[3], (int) v[4], (int) v[5], (int) v[6], 0, false);
            }
            TiledAttentionTest.check(KvCacheType.Q8_0, 8, 2, 64, 1299, 1, 4, 256, true);
            System.out.println("ok");
        } catch (AssertionError e) {
            System.out.println("FAIL " + e.getMessage());
            System.exit(1);
        }
    }
}
