package dev.bgl.fuzz;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * A small coverage-less fuzzer for the CI run: random stacked mutations of a seed corpus (bit
 * flips, byte insert/delete, interesting integers written over 1/2/4/8 bytes as length fields are,
 * interesting text tokens, truncation, splicing two inputs). Inputs that parse join the pool, a
 * crude substitute for coverage feedback. Each input runs on a worker thread watched from here, so
 * an input that runs longer than the hang limit is reported (and its thread abandoned) instead of
 * stalling the build. Findings are written to {@code findingsDir} as crash-/timeout- files.
 */
final class MutationFuzzer {
    record Result(String target, long executions, long parsed, double seconds, int pool, List<String> findings) {
        @Override
        public String toString() {
            return String.format("%s: %d executions in %.1f s (%.0f/s), %d parsed, pool %d, %d findings",
                target, executions, seconds, executions / Math.max(seconds, 1e-9), parsed, pool, findings.size());
        }
    }

    private static final long[] INTERESTING = {0, 1, -1, 2, 7, 8, 16, 32, 64, 127, 128, 255, 256, 1024, 65535, 65536,
        Integer.MAX_VALUE, Integer.MIN_VALUE, 0xffffffffL, 1L << 32, 1L << 40, 1L << 60, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE};
    private static final String[] TOKENS = {"0", "-1", "4294967296", "9223372036854775807", "9223372036854775808",
        "1e309", "-0", "\"", "\\", "[", "]", "{", "}", ",", ":", "null", "true", "..", "/", "../", "\u0000", "{{", "}}",
        "{%", "%}", "(", ")", "*", "**", "|", "~", " for x in ", " if ", "endfor", "endif", "macro", "<|", "|>", "\ud800"};

    private final String name;
    private final Predicate<byte[]> target;
    private final List<byte[]> pool;
    private final SplittableRandom rnd;
    private final long budgetNanos;
    private final long hangNanos;
    private final Path findingsDir;
    private final List<String> findings = new ArrayList<>();

    private volatile boolean stop;
    private volatile long startedAt; // nanoTime the current input started, 0 between inputs
    private volatile byte[] current;
    private long executions, parsed;

    MutationFuzzer(String name, Predicate<byte[]> target, List<byte[]> seeds, long seed, long budgetNanos, long hangNanos,
                   Path findingsDir) {
        this.name = name;
        this.target = target;
        this.pool = new ArrayList<>(seeds);
        this.rnd = new SplittableRandom(seed);
        this.budgetNanos = budgetNanos;
        this.hangNanos = hangNanos;
        this.findingsDir = findingsDir;
    }

    Result run() throws InterruptedException {
        long t0 = System.nanoTime();
        Thread worker = Thread.ofPlatform().name("fuzz-" + name).daemon().unstarted(() -> loop(t0 + budgetNanos));
        worker.start();
        while (worker.isAlive()) {
            worker.join(50);
            long s = startedAt;
            if (s != 0 && System.nanoTime() - s > hangNanos) {
                stop = true;
                byte[] in = current;
                synchronized (findings) {
                    findings.add("hang: an input ran longer than " + hangNanos / 1_000_000 + " ms; saved as " + save("timeout", in));
                }
                break; // the worker is a daemon and may stay stuck; the build goes on
            }
        }
        synchronized (findings) {
            return new Result(name, executions, parsed, (System.nanoTime() - t0) / 1e9, pool.size(), List.copyOf(findings));
        }
    }

    private void loop(long deadline) {
        while (!stop && System.nanoTime() < deadline) {
            byte[] in = mutate(pool.get(rnd.nextInt(pool.size())));
            current = in;
            startedAt = System.nanoTime();
            try {
                if (target.test(in)) {
                    parsed++;
                    if (pool.size() < 1024 && rnd.nextInt(8) == 0) pool.add(in);
                }
            } catch (Throwable e) {
                startedAt = 0;
                StringWriter sw = new StringWriter();
                e.printStackTrace(new PrintWriter(sw));
                synchronized (findings) {
                    findings.add("crash: " + e + "; saved as " + save("crash", in) + "\n" + sw);
                    if (findings.size() >= 5) stop = true;
                }
            }
            startedAt = 0;
            executions++;
        }
    }

    private String save(String kind, byte[] in) {
        try {
            Files.createDirectories(findingsDir);
            Path p = findingsDir.resolve(kind + "-" + HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-1").digest(in)).substring(0, 16));
            Files.write(p, in);
            return p.toString();
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            return "(not saved: " + e + ")";
        }
    }

    byte[] mutate(byte[] base) {
        byte[] b = base;
        int n = 1 + rnd.nextInt(4);
        for (int i = 0; i < n; i++) b = mutateOnce(b);
        return b.length > 65536 ? Arrays.copyOf(b, 65536) : b;
    }

    private byte[] mutateOnce(byte[] b) {
        int len = b.length;
        switch (rnd.nextInt(10)) {
            case 0 -> { // flip a bit
                if (len == 0) return new byte[]{(byte) rnd.nextInt(256)};
                b = b.clone();
                b[rnd.nextInt(len)] ^= (byte) (1 << rnd.nextInt(8));
                return b;
            }
            case 1 -> { // a random or interesting byte
                if (len == 0) return b;
                b = b.clone();
                int[] bytes = {0, 1, 0x7f, 0x80, 0xff, '"', '{', '}', '[', ']', '\\', '/', '.', ' '};
                b[rnd.nextInt(len)] = (byte) (rnd.nextBoolean() ? rnd.nextInt(256) : bytes[rnd.nextInt(bytes.length)]);
                return b;
            }
            case 2, 3 -> { // an interesting integer over 1, 2, 4 or 8 bytes, little-endian, often 8-aligned
                int w = 1 << rnd.nextInt(4);
                if (len < w) return b;
                b = b.clone();
                int at = rnd.nextInt(len - w + 1);
                if (rnd.nextBoolean()) at = at / 8 * 8;
                long v = rnd.nextInt(4) == 0 ? len + rnd.nextInt(-2, 3) : INTERESTING[rnd.nextInt(INTERESTING.length)];
                if (rnd.nextInt(4) == 0) v = -v;
                for (int k = 0; k < w; k++) b[at + k] = (byte) (v >>> (8 * k));
                return b;
            }
            case 4 -> { // insert random bytes
                byte[] ins = new byte[1 + rnd.nextInt(8)];
                rnd.nextBytes(ins);
                return insert(b, rnd.nextInt(len + 1), ins);
            }
            case 5 -> { // insert an interesting text token
                return insert(b, rnd.nextInt(len + 1), TOKENS[rnd.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8));
            }
            case 6 -> { // delete a range
                if (len == 0) return b;
                int at = rnd.nextInt(len), n = 1 + rnd.nextInt(Math.min(len - at, 16));
                byte[] out = new byte[len - n];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + n, out, at, len - at - n);
                return out;
            }
            case 7 -> { // duplicate a chunk in place (repeats structures, grows counts' worth of data)
                if (len == 0) return b;
                int at = rnd.nextInt(len), n = 1 + rnd.nextInt(Math.min(len - at, 64));
                return insert(b, at, Arrays.copyOfRange(b, at, at + n));
            }
            case 8 -> { // truncate
                return len == 0 ? b : Arrays.copyOf(b, rnd.nextInt(len));
            }
            default -> { // splice: a prefix of this input and a suffix of another
                byte[] o = pool.get(rnd.nextInt(pool.size()));
                int cut = rnd.nextInt(len + 1), from = rnd.nextInt(o.length + 1);
                byte[] out = Arrays.copyOf(b, cut + o.length - from);
                System.arraycopy(o, from, out, cut, o.length - from);
                return out;
            }
        }
    }

    private static byte[] insert(byte[] b, int at, byte[] ins) {
        byte[] out = new byte[b.length + ins.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(ins, 0, out, at, ins.length);
        System.arraycopy(b, at, out, at + ins.length, b.length - at);
        return out;
    }
}
