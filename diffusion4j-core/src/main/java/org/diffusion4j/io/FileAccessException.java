package org.diffusion4j.io;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import org.diffusion4j.DiffusionException;

/**
 * A file that cannot be read or written at all (missing, a directory, no permission, disk full): the one place
 * where an {@link IOException} becomes a message naming the file and what went wrong, without Java class names.
 */
public final class FileAccessException extends DiffusionException {
    private static final long serialVersionUID = 1L;

    private FileAccessException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code file} could not be read. */
    public static FileAccessException reading(Path file, IOException e) {
        return new FileAccessException("cannot read " + file + ": " + reason(e), e);
    }

    /** {@code file} could not be written. */
    public static FileAccessException writing(Path file, IOException e) {
        return new FileAccessException("cannot write " + file + ": " + reason(e), e);
    }

    /** A problem with {@code file} found before any I/O was tried (e.g. an output under a regular file). */
    public static FileAccessException of(Path file, String problem) {
        return new FileAccessException(file + ": " + problem, null);
    }

    /** An output named by a command-line option that cannot be written: {@code --json FILE: problem}. */
    public static FileAccessException option(String option, Path file, String problem) {
        return new FileAccessException(option + " " + file + ": " + problem, null);
    }

    /** What went wrong, in words: the operating system's reason, and the other path where one is involved. */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException n) {
            return "no such file or directory" + other(n);
        }
        if (e instanceof AccessDeniedException a) {
            return "permission denied" + other(a);
        }
        if (e instanceof NotDirectoryException n) {
            return "not a directory: " + n.getFile();
        }
        if (e instanceof FileAlreadyExistsException f) {
            return "already exists" + (f.getFile() != null ? ": " + f.getFile() : "");
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "directory not empty";
        }
        if (e instanceof CharacterCodingException) {
            return "not UTF-8 text";
        }
        if (e instanceof FileSystemException f) {
            return (f.getReason() != null ? f.getReason() : "file system error") + other(f);
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static String other(FileSystemException e) {
        return e.getFile() != null ? " (" + e.getFile() + ")" : "";
    }
}
