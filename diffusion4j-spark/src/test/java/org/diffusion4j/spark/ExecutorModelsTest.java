package org.diffusion4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.random.RandomGeneratorFactory;
import org.diffusion4j.backend.Backend;
import org.junit.jupiter.api.Test;

/**
 * A task's work runs with one engine thread and a context class loader that finds the JDK's services. The JDK caches
 * the random-generator providers on first use, so the check runs in a fresh JVM ({@link Probe}), where the first use
 * happens inside a task whose context loader sees no providers (as in Spark SQL's write tasks).
 */
class ExecutorModelsTest {

    /** Prints the generator found inside a task started under an isolated context loader, and the thread count. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            try (URLClassLoader isolated = new URLClassLoader(new URL[0], null)) {
                Thread.currentThread().setContextClassLoader(isolated);
                String found = ExecutorModels.inTask(1, () -> RandomGeneratorFactory.of("L64X128MixRandom").name()
                        + " " + Backend.intraOpThreads());
                boolean restored = Thread.currentThread().getContextClassLoader() == isolated;
                System.out.println(found + " " + restored);
            }
        }
    }

    @Test
    void tasksFindTheJdksRandomGeneratorsWhateverLoaderSparkSet() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process p = new ProcessBuilder(List.of(java, "-Dai.djl.offline=true", "-cp",
                System.getProperty("java.class.path"), Probe.class.getName())).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        assertEquals("L64X128MixRandom 1 true", out, err);
    }
}
