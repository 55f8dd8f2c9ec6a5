package dev.bgl.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What this process holds in memory, as the operating system counts it (for bench reports and server metrics). */
public final class ProcessMemory {
    private ProcessMemory() {
    }

    /** Resident set size (VmRSS of /proc/self/status) in bytes; −1 where there is none (not Linux). */
    public static long residentBytes() {
        return statusBytes("VmRSS:");
    }

    /** The largest resident set size this process has had (VmHWM, the high-water mark) in bytes; −1 where there is none. */
    public static long peakResidentBytes() {
        return statusBytes("VmHWM:");
    }

    private static long statusBytes(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (!line.startsWith(key)) continue;
                String[] f = line.substring(key.length()).trim().split("\\s+");
                long v = Long.parseLong(f[0]);
                return f.length > 1 && f[1].equalsIgnoreCase("kB") ? v * 1024 : v;
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: not Linux
        }
        return -1;
    }
}
