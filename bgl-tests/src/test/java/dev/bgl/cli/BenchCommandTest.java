package dev.bgl.cli;

import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bgl bench} on the shipped model: speeds, the memory account (resident peak split into
 * weights, KV cache and the rest) and the bandwidth roofline are printed and consistent with each
 * other. Timing goals themselves are benchmarks, not asserted here.
 */
class BenchCommandTest {
    private static final Pattern SPEED = Pattern.compile("bgl\\s+prefill\\s+([\\d.]+) tok/s\\s+decode\\s+([\\d.]+) tok/s\\s+\\(([\\d.]+) GB/s of weights while decoding; fastest of (\\d+) rounds\\)");
    private static final Pattern MEMORY = Pattern.compile("bgl\\s+resident memory ([\\d.]+) MB, peak ([\\d.]+) MB = weights ([\\d.]+) MB \\+ KV cache ([\\d.]+) MB \\+ (-?[\\d.]+) MB other \\(JVM, scratch; ([\\d.]+) MB of it packing\\)");
    private static final Pattern READ = Pattern.compile("roofline\\s+a decode token reads ([\\d.]+) MB of weights \\+ ([\\d.]+) MB of KV cache \\((\\w+), ([\\d.]+) tokens of context on average\\) = ([\\d.]+) MB");
    private static final Pattern ROOFLINE = Pattern.compile("roofline\\s+memory bandwidth ([\\d.]+) GB/s \\((\\d+) threads\\): decoding at most ([\\d.]+) tok/s; bgl reaches (\\d+)% of it");

    @Test
    void printsSpeedsMemoryAndRoofline() {
        RunCommandTest.Run r = RunCommandTest.bgl("bench", "--model", RunCommandTest.shipped().toString(), "--threads", "1",
                "--prompt-tokens", "8", "--gen-tokens", "8");
        assertEquals(0, r.code(), r.err());
        Matcher speed = find(SPEED, r.out()), mem = find(MEMORY, r.out()), roof = find(ROOFLINE, r.out()), read = find(READ, r.out());
        assertTrue(Double.parseDouble(speed.group(1)) > 0 && Double.parseDouble(speed.group(2)) > 0, speed.group());
        assertEquals(3, Integer.parseInt(speed.group(4)), "three rounds by default: " + speed.group());
        double peak = Double.parseDouble(mem.group(2)), weights = Double.parseDouble(mem.group(3)),
                kv = Double.parseDouble(mem.group(4)), other = Double.parseDouble(mem.group(5));
        assertEquals(peak, weights + kv + other, 0.15, "the parts add up to the peak: " + mem.group());
        assertTrue(Double.parseDouble(mem.group(1)) <= peak + 0.05, "resident now <= peak: " + mem.group());
        assertEquals(3.3, weights, 0.1, "the shipped model's weights");
        double packing = Double.parseDouble(mem.group(6));
        assertTrue(packing >= 0 && packing <= 0.07 * weights, "packed copies add at most 7% of the weights: " + mem.group());
        // 8 + 8 + 16 positions fit one page of the cache: 4 layers x 2 KV heads x 32 x (K + V) x 2 bytes x 64
        assertEquals(4 * 2 * 32 * 2 * 2 * 64 / 1e6, kv, 0.05, "one F16 page of KV cache");
        double bandwidth = Double.parseDouble(roof.group(1));
        assertTrue(bandwidth > 0.1, "a memory bandwidth was measured: " + roof.group());
        assertEquals(1, Integer.parseInt(roof.group(2)));
        // the roofline counts the KV cache a decode step reads besides the weights: 8 prompt tokens,
        // then 1..8 of the generated ones (4.5 on average), at 1,024 bytes a token (4 layers x 2 KV heads x 32 x (K + V) x 2 bytes)
        assertEquals(3.3, Double.parseDouble(read.group(1)), 0.1, read.group());
        assertEquals("f16", read.group(3));
        assertEquals(12.5, Double.parseDouble(read.group(4)), read.group());
        assertEquals(12.5 * 1024 / 1e6, Double.parseDouble(read.group(2)), 0.0005, read.group());
        double perTokenMb = Double.parseDouble(read.group(5));
        assertEquals(Double.parseDouble(read.group(1)) + Double.parseDouble(read.group(2)), perTokenMb, 0.0015, read.group());
        double decode = Double.parseDouble(speed.group(2));
        // the figures are printed rounded (decode to 0.005 tok/s, bandwidth to 0.05 GB/s, the share to 0.5 points): the share
        // recomputed from them may differ by what those roundings allow, which grows when a loaded machine measures a low bandwidth
        double share = 100 * decode * perTokenMb / 1e3 / bandwidth;
        double slack = share * (0.005 / decode + 0.05 / (bandwidth - 0.05) + 0.0005 / perTokenMb) + 0.5 + 1e-9;
        assertEquals(share, Integer.parseInt(roof.group(4)), slack, "roofline share = bytes read per second / memory bandwidth");
    }

    /**
     * Against llama.cpp each round prints bgl's figures before calling the reference, so a
     * reference that fails or times out (a quantised cache at 16k took longer than the half hour
     * the bench used to wait) does not take bgl's measurement with it.
     */
    @Test
    void vsLlamaCppPrintsBglsRoundBeforeTheReferenceRuns() {
        RunCommandTest.Run r = RunCommandTest.bgl("bench", "--model", RunCommandTest.shipped().toString(), "--threads", "1",
                "--prompt-tokens", "8", "--gen-tokens", "4", "--rounds", "1", "--vs-llamacpp");
        assertEquals(0, r.code(), r.err());
        Matcher own = find(Pattern.compile("round 1\\s+bgl prefill ([\\d.]+), decode ([\\d.]+) tok/s\\n"), r.out());
        Matcher both = find(Pattern.compile("round 1\\s+bgl prefill ([\\d.]+), decode ([\\d.]+) tok/s; llama.cpp prefill ([\\d.]+), decode ([\\d.]+) tok/s"), r.out());
        assertTrue(own.start() < both.start(), r.out());
        assertEquals(own.group(1), both.group(1), "the same round");
        assertTrue(Double.parseDouble(both.group(3)) > 0 && Double.parseDouble(both.group(4)) > 0, both.group());
    }

    @Test
    void depthMeasuresAfterThatManyTokensOfContext() {
        RunCommandTest.Run r = RunCommandTest.bgl("bench", "--model", RunCommandTest.shipped().toString(), "--threads", "1",
                "--depth", "100", "--gen-tokens", "8", "--rounds", "1");
        assertEquals(0, r.code(), r.err());
        Matcher read = find(READ, r.out());
        // prefill of the 100-token prompt, then decoding at positions 100..107
        assertEquals(104.5, Double.parseDouble(read.group(4)), read.group());
        assertEquals(104.5 * 1024 / 1e6, Double.parseDouble(read.group(2)), 0.0005, read.group());
        RunCommandTest.Run bad = RunCommandTest.bgl("bench", "--model", RunCommandTest.shipped().toString(), "--depth", "0");
        assertNotEquals(0, bad.code());
        assertTrue(bad.err().contains("--depth must be >= 1, got 0"), bad.err());
    }

    @Test
    void zeroRoundsIsAClearError() {
        RunCommandTest.Run r = RunCommandTest.bgl("bench", "--model", RunCommandTest.shipped().toString(), "--rounds", "0");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--rounds must be >= 1, got 0"), r.err());
    }

    private static Matcher find(Pattern p, String out) {
        Matcher m = p.matcher(out);
        assertTrue(m.find(), "no line matching " + p + " in:\n" + out);
        return m;
    }
}
