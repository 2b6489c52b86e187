package org.diffusion4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's resident set (Java heap and native memory alike), from {@code /proc/self/status}. */
public final class ResidentMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ResidentMemory() {}

    /** Whether this system reports it. */
    public static boolean available() {
        return Files.isReadable(STATUS);
    }

    /** Resident memory in MiB, or NaN where the system does not report it. */
    public static double mebibytes() {
        if (!available()) {
            return Double.NaN;
        }
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
