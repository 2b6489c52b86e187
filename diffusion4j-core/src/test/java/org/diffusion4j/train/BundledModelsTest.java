package org.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import org.diffusion4j.backend.Backend;
import org.diffusion4j.eval.Classifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shipped models load straight from the library's resources: nothing is unpacked to disk, so a process killed while
 * loading one leaves no temporary directory behind.
 */
class BundledModelsTest {

    /** Loads the bundled MNIST model and classifier and prints what they are. */
    public static void main(String[] args) {
        try (NDManager manager = Backend.newManager(); Classifier classifier = Classifier.bundled("mnist")) {
            TrainedModel model = TrainedModel.bundled("mnist-edm", manager);
            System.out.println("loaded " + model.config().name() + " " + model.network().weights().count() + " "
                    + classifier.info().path("dataset").asText());
        }
    }

    @Test
    void bundledModelsLoadWithoutATemporaryDirectory(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("no-such-temp-dir");
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(RunLockTest.java(), "-Djava.io.tmpdir=" + missing, "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"), BundledModelsTest.class.getName())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertEquals(0, child.waitFor(), Files.readString(log));
        assertTrue(Files.readString(log).contains("loaded mnist-edm"), Files.readString(log));
        assertTrue(Files.notExists(missing), "nothing was unpacked");
    }
}
