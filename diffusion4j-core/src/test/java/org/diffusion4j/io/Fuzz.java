package org.diffusion4j.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * A small seeded fuzzing harness on JUnit 5 dynamic tests: a property becomes {@link #TRIES} cases, case {@code i}
 * drawing everything from a {@link SplittableRandom} seeded by ({@link #SEED}, property, {@code i}) alone, so one case
 * replays without the others.
 *
 * <p>System properties: {@code d4j.fuzz.tries} (default 200 per property), {@code d4j.fuzz.seed} (a number, or
 * {@code random} for a fresh one; default {@link #DEFAULT_SEED}, so the build is repeatable) and {@code d4j.fuzz.case}
 * (run only that case, to replay a failure). A failing case's message names the property, the seed, the case and
 * what was done to the input, and the input is written to {@link #FAILURES}.
 */
final class Fuzz {
    static final long DEFAULT_SEED = 20261201L;
    static final int TRIES = Integer.getInteger("d4j.fuzz.tries", 200);
    static final long SEED = seed(System.getProperty("d4j.fuzz.seed"));
    /** Where failing inputs are written, relative to the module (the test's working directory). */
    static final Path FAILURES = Path.of("target", "fuzz-failures");

    private static final Integer ONLY_CASE = Integer.getInteger("d4j.fuzz.case");

    private Fuzz() {}

    private static long seed(String property) {
        if (property == null || property.isBlank()) {
            return DEFAULT_SEED;
        }
        return property.equals("random") ? new SplittableRandom().nextLong() : Long.parseLong(property.trim());
    }

    /** A property: checks one case, throwing on a failure. */
    @FunctionalInterface
    interface Property {
        void check(Case c) throws Exception;
    }

    /** One try of a property: its random, and the input the reader was given (written out if the try fails). */
    static final class Case {
        final String property;
        final int index;
        final SplittableRandom random;
        final ByteMutator mutator;
        private String inputName;
        private byte[] input;

        Case(String property, int index) {
            this.property = property;
            this.index = index;
            this.random = new SplittableRandom(new SplittableRandom(SEED ^ property.hashCode()).nextLong() + index);
            this.mutator = new ByteMutator(random);
        }

        /** Records {@code bytes} as this case's input (the last one recorded is written out on a failure). */
        void input(String name, byte[] bytes) {
            this.inputName = name;
            this.input = bytes;
        }

        private Path saveInput() {
            if (input == null) {
                return null;
            }
            try {
                Files.createDirectories(FAILURES);
                Path file = FAILURES.resolve(property + "-seed" + SEED + "-case" + index + "-"
                        + inputName.replace('/', '_'));
                Files.write(file, input);
                return file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** {@link #TRIES} cases of {@code property}. */
    static Stream<DynamicTest> cases(String name, Property property) {
        return cases(name, TRIES, property);
    }

    /** {@code tries} cases of {@code property} (only {@code d4j.fuzz.case} when it is set). */
    static Stream<DynamicTest> cases(String name, int tries, Property property) {
        IntStream indices = ONLY_CASE != null ? IntStream.of(ONLY_CASE) : IntStream.range(0, tries);
        return indices.mapToObj(i -> DynamicTest.dynamicTest("case " + i, () -> run(name, i, property)));
    }

    private static void run(String name, int index, Property property) {
        Case c = new Case(name, index);
        try {
            property.check(c);
        } catch (Throwable failure) { // assertion, unexpected exception, OutOfMemoryError, StackOverflowError …
            Path saved = c.saveInput();
            throw new AssertionError(name + " failed on case " + index + " with seed " + SEED
                    + (c.mutator.applied().isEmpty() ? "" : " (mutations: " + c.mutator.applied() + ")")
                    + ": " + failure
                    + (saved == null ? "" : "\n  input written to " + saved.toAbsolutePath())
                    + "\n  replay: -Dtest='ParserFuzzTest#" + name + "' -Dd4j.fuzz.seed=" + SEED
                    + " -Dd4j.fuzz.case=" + index, failure);
        }
    }
}
