package org.diffusion4j.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the image datasets are, and whether missing ones may be downloaded: the commands that train. */
final class DataOptions {
    @Option(names = "--data", paramLabel = "DIR", defaultValue = "${env:D4J_DATA:-data}",
            description = "Where MNIST and Fashion-MNIST are (default: $D4J_DATA or ./data).")
    Path dir;

    @Option(names = "--offline", description = "Never download missing data; say which files to place instead.")
    boolean offline;

    /** Whether a missing dataset may be downloaded. */
    boolean download() {
        return !offline;
    }
}
