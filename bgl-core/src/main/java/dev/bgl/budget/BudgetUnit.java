package dev.bgl.budget;

import dev.bgl.util.BglException;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One limit a run must keep, in the unit the user thinks in. {@link BudgetController} turns each
 * into the thinking tokens left at every step, from what this run has measured so far.
 */
public sealed interface BudgetUnit {

    /** Thinking tokens (the classic budget). */
    record Tokens(long n) implements BudgetUnit {
        public Tokens {
            if (n < 0) throw new BglException("budget: tokens must be >= 0, got " + n);
        }
    }

    /** Wall clock of the whole run: prefill, thinking, and the reserve for the answer. */
    record Seconds(double s) implements BudgetUnit {
        public Seconds {
            if (!(s > 0) || Double.isInfinite(s)) throw new BglException("budget: seconds must be > 0, got " + s);
        }
    }

    /** Size of the KV cache (prompt, thinking and answer all stay in it). */
    record KvBytes(long bytes) implements BudgetUnit {
        public KvBytes {
            if (bytes <= 0) throw new BglException("budget: KV bytes must be > 0, got " + bytes);
        }
    }

    /** Compute of the whole run: about 2 x parameters per token plus attention over the context so far. */
    record Flops(double f) implements BudgetUnit {
        public Flops {
            if (!(f > 0) || Double.isInfinite(f)) throw new BglException("budget: FLOPs must be > 0, got " + f);
        }
    }

    /** Money: every token processed (prompt and generated) at one price per 1000 tokens. */
    record Cost(double pricePer1kTokens, double total) implements BudgetUnit {
        public Cost {
            if (!(pricePer1kTokens > 0) || !(total > 0))
                throw new BglException("budget: cost needs a price per 1k tokens > 0 and a total > 0, got "
                        + pricePer1kTokens + " and " + total);
        }
    }

    /** {@code 0.05$@0.5/1k}: spend at most 0.05 at 0.5 per 1000 tokens. */
    Pattern COST = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*\\$\\s*@\\s*([0-9]+(?:\\.[0-9]+)?)\\s*/\\s*1k", Pattern.CASE_INSENSITIVE);

    Pattern ONE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)\\s*([a-zA-Z]*)");

    /**
     * One limit: {@code 300} or {@code 300tok} (tokens), {@code 5s}, {@code 500ms}, {@code 2min},
     * {@code 64MB}, {@code 1.5GB}, {@code 512KB}, {@code 100B} (KV cache, decimal units; MiB/GiB binary),
     * {@code 2GFLOP}, {@code 3TFLOP}, {@code 5e9FLOP}, and cost as {@code 0.05$@0.5/1k} (total at a price per 1000 tokens).
     */
    static BudgetUnit parse(String text) {
        String t = text == null ? "" : text.strip();
        Matcher c = COST.matcher(t);
        if (c.matches()) {
            double total = Double.parseDouble(c.group(1)), price = Double.parseDouble(c.group(2));
            if (!(total > 0) || !(price > 0)) throw new BglException("bad budget '" + text + "': cost and price must be > 0");
            return new Cost(price, total);
        }
        Matcher m = ONE.matcher(t);
        if (!m.matches())
            throw new BglException("bad budget '" + text + "': expected a number with a unit, e.g. 300, 300tok, 5s, 500ms, 64MB, 1.5GB, 2GFLOP");
        double v = Double.parseDouble(m.group(1));
        String u = m.group(2).toLowerCase(Locale.ROOT);
        return switch (u) {
            case "", "tok", "tokens", "t" -> {
                if (v != Math.rint(v) || v > Integer.MAX_VALUE)
                    throw new BglException("bad budget '" + text + "': tokens must be a whole number up to " + Integer.MAX_VALUE);
                yield new Tokens((long) v);
            }
            case "s", "sec" -> new Seconds(positive(v, text));
            case "ms" -> new Seconds(positive(v, text) / 1000);
            case "min" -> new Seconds(positive(v, text) * 60);
            case "b" -> kv(v, 1, text);
            case "kb" -> kv(v, 1e3, text);
            case "mb" -> kv(v, 1e6, text);
            case "gb" -> kv(v, 1e9, text);
            case "kib" -> kv(v, 1024, text);
            case "mib" -> kv(v, 1024.0 * 1024, text);
            case "gib" -> kv(v, 1024.0 * 1024 * 1024, text);
            case "flop", "flops" -> new Flops(positive(v, text));
            case "mflop", "mflops" -> new Flops(positive(v, text) * 1e6);
            case "gflop", "gflops" -> new Flops(positive(v, text) * 1e9);
            case "tflop", "tflops" -> new Flops(positive(v, text) * 1e12);
            case "pflop", "pflops" -> new Flops(positive(v, text) * 1e15);
            default -> throw new BglException("bad budget '" + text + "': unknown unit '" + m.group(2)
                    + "' (known: tok, s, ms, min, B, KB, MB, GB, KiB, MiB, GiB, FLOP, MFLOP, GFLOP, TFLOP, PFLOP; cost as 0.05$@0.5/1k)");
        };
    }

    private static double positive(double v, String text) {
        if (!(v > 0)) throw new BglException("bad budget '" + text + "': must be > 0");
        return v;
    }

    private static KvBytes kv(double v, double scale, String text) {
        double b = positive(v, text) * scale;
        if (b < 1 || b > Long.MAX_VALUE) throw new BglException("bad budget '" + text + "': KV bytes out of range");
        return new KvBytes((long) b);
    }

    /** The limit as the user would write it back ("5 s", "64 MB", "2 GFLOP", "300 tokens"). */
    default String label() {
        return switch (this) {
            case Tokens t -> t.n() + " tokens";
            case Seconds s -> seconds(s.s());
            case KvBytes k -> bytes(k.bytes());
            case Flops f -> flops(f.f());
            case Cost c -> num(c.total()) + "$ at " + num(c.pricePer1kTokens()) + "$/1k tokens";
        };
    }

    /** Three significant digits, no trailing zeros: 4.3, 12.1, 700, 64. */
    static String num(double v) {
        if (!Double.isFinite(v)) return String.valueOf(v);
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    static String seconds(double s) {
        return s < 1 ? num(s * 1000) + " ms" : num(s) + " s";
    }

    static String bytes(double b) {
        if (b >= 1e9) return num(b / 1e9) + " GB";
        if (b >= 1e6) return num(b / 1e6) + " MB";
        if (b >= 1e3) return num(b / 1e3) + " KB";
        return num(b) + " B";
    }

    static String flops(double f) {
        if (f >= 1e15) return num(f / 1e15) + " PFLOP";
        if (f >= 1e12) return num(f / 1e12) + " TFLOP";
        if (f >= 1e9) return num(f / 1e9) + " GFLOP";
        if (f >= 1e6) return num(f / 1e6) + " MFLOP";
        return num(f) + " FLOP";
    }
}
