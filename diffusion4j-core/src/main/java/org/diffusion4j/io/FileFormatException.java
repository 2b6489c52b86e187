package org.diffusion4j.io;

import java.nio.file.Path;
import org.diffusion4j.DiffusionException;

/** A file that cannot be read as what it should be; the message names the file, the field and what was found. */
public final class FileFormatException extends DiffusionException {
    private static final long serialVersionUID = 1L;

    public FileFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public FileFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
