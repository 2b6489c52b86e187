package org.diffusion4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.diffusion4j.DiffusionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLockTest {

    /** Holds the lock of the run directory {@code args[0]} until its standard input closes (or it is killed). */
    public static void main(String[] args) throws Exception {
        try (RunLock lock = new RunDirectory(Path.of(args[0])).lock()) {
            System.out.println("locked");
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait
            }
        }
    }

    @Test
    void aSecondProcessIsRefusedWithTheHolderAndAKilledHolderIsStale(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        Process holder = new ProcessBuilder(java(), "-cp",
                System.getProperty("java.class.path"), RunLockTest.class.getName(), run.toString())
                .redirectError(dir.resolve("holder.err").toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(),
                    StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine(), () -> read(dir.resolve("holder.err")));
            DiffusionException e = assertThrows(DiffusionException.class, () -> new RunDirectory(run).lock());
            assertTrue(e.getMessage().contains(run + " is in use by process " + holder.pid() + " on "),
                    e.getMessage());
            assertTrue(e.getMessage().contains(run.resolve("run.lock").toString()), e.getMessage());
        } finally {
            holder.destroyForcibly().waitFor();
        }
        // killed (SIGKILL): its lock file still names it, but the lock is free and the holder is reported stale
        assertTrue(Files.readString(run.resolve("run.lock")).contains("pid=" + holder.pid()));
        try (RunLock lock = new RunDirectory(run).lock()) {
            Optional<RunLock.Holder> stale = lock.staleHolder();
            assertTrue(stale.isPresent());
            assertEquals(holder.pid(), stale.get().pid());
            assertTrue(Files.readString(run.resolve("run.lock")).contains("pid=" + ProcessHandle.current().pid()));
        }
        assertEquals("", Files.readString(run.resolve("run.lock")), "released on close");
        try (RunLock lock = new RunDirectory(run).lock()) {
            assertTrue(lock.staleHolder().isEmpty(), "a cleanly released lock is not stale");
        }
    }

    @Test
    void aSecondLockInTheSameProcessIsRefusedUntilTheFirstIsClosed(@TempDir Path dir) {
        RunDirectory run = new RunDirectory(dir.resolve("run"));
        try (RunLock first = run.lock()) {
            DiffusionException e = assertThrows(DiffusionException.class, run::lock);
            assertTrue(e.getMessage().contains("in use by process " + ProcessHandle.current().pid()), e.getMessage());
        }
        assertTrue(Files.notExists(run.path()), "a folder the lock created and nothing used is removed");
        try (RunLock again = run.lock()) {
            assertTrue(again.staleHolder().isEmpty());
        }
    }

    @Test
    void aRunDirectoryUnderAFileIsAClearError(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        DiffusionException e = assertThrows(DiffusionException.class, () -> new RunDirectory(file.resolve("run"))
                .lock());
        assertTrue(e.getMessage().contains("cannot lock " + file.resolve("run")), e.getMessage());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java" + (File.separatorChar == '\\' ? ".exe" : ""))
                .toString();
    }
}
