package org.diffusion4j.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Writes files all-or-nothing: the content goes to a temporary file beside the target, which is then renamed over
 * it. A reader (or a crash) never sees a half-written file.
 */
public final class AtomicFiles {
    private static final String TEMP_PREFIX = ".";
    private static final String TEMP_SUFFIX = ".tmp";

    private AtomicFiles() {}

    /**
     * Removes the temporary files that {@link #write} leaves in {@code dir} when the process is killed before it
     * renames them ({@code .NAME123….tmp}), for the target names {@code targets} accepts; other files are kept. Only
     * for a folder no one else is writing to (a locked run directory).
     *
     * @return the files removed
     */
    public static List<Path> removeTemporaries(Path dir, Predicate<String> targets) {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return removed;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                if (isTemporary(name, targets) && Files.isRegularFile(file)) {
                    Files.delete(file);
                    removed.add(file);
                }
            }
        } catch (IOException e) {
            throw FileAccessException.writing(dir, e);
        }
        return removed;
    }

    /** Whether {@code name} is a temporary name {@link #write} gives a file whose name {@code targets} accepts. */
    private static boolean isTemporary(String name, Predicate<String> targets) {
        if (!name.startsWith(TEMP_PREFIX) || !name.endsWith(TEMP_SUFFIX)) {
            return false;
        }
        String middle = name.substring(TEMP_PREFIX.length(), name.length() - TEMP_SUFFIX.length());
        for (int end = middle.length() - 1; end > 0 && Character.isDigit(middle.charAt(end)); end--) {
            if (targets.test(middle.substring(0, end))) {
                return true;
            }
        }
        return false;
    }

    /** Something that writes the whole content of a file to a stream. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes {@code content} to {@code target} atomically, creating parent folders as needed. */
    public static void write(Path target, Content content) {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path temp = null;
        try {
            Files.createDirectories(dir);
            temp = Files.createTempFile(dir, TEMP_PREFIX + absolute.getFileName(), TEMP_SUFFIX);
            readableByAll(temp);
            try (OutputStream out = Files.newOutputStream(temp)) {
                content.writeTo(out);
            }
            try {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
        } catch (IOException e) {
            throw FileAccessException.writing(target, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the original failure is what matters
                }
            }
        }
    }

    /** Temporary files start private (rw-------); the finished file gets the usual rw-r--r--. */
    private static void readableByAll(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    /** Writes a string as UTF-8, atomically. */
    public static void writeString(Path target, String text) {
        write(target, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
