package org.diffusion4j.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks, before any work starts, that an output can be written: its folder is a folder (or can be made under one),
 * and a file can be created there. A long evaluation or sampling run then never fails at its last line because
 * {@code --json} points into {@code /proc} or {@code --out} under a regular file.
 */
public final class OutputPaths {
    private OutputPaths() {}

    /** Fails with a message naming {@code option} unless {@code file} can be written (replaced if it exists). */
    public static void requireWritableFile(Path file, String option) {
        if (Files.isDirectory(file)) {
            throw FileAccessException.option(option, file, "is a directory, expected a file name");
        }
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw FileAccessException.option(option, file, "exists and is not a regular file");
        }
        Path parent = file.toAbsolutePath().getParent();
        probe(parent, file, option);
    }

    /** Fails with a message naming {@code option} unless {@code dir} is, or can be made as, a writable directory. */
    public static void requireWritableDirectory(Path dir, String option) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw FileAccessException.option(option, dir, "is a file, expected a directory");
        }
        probe(dir.toAbsolutePath(), dir, option);
    }

    /** Creates and deletes a file in {@code dir}, or, if it does not exist yet, in its nearest existing ancestor. */
    private static void probe(Path dir, Path named, String option) {
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            throw FileAccessException.option(option, named, "no part of its path exists");
        }
        if (!Files.isDirectory(existing)) {
            throw FileAccessException.option(option, named, existing + " is a file, not a directory");
        }
        try {
            Path probe = Files.createTempFile(existing, ".d4j-probe", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            throw FileAccessException.option(option, named, "cannot write in " + existing + ": "
                    + FileAccessException.reason(e));
        }
    }
}
