package org.diffusion4j.train;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;
import org.diffusion4j.DiffusionException;

/**
 * The exclusive lock of a run directory, held by whatever writes into it (training, resuming). It is an operating
 * system lock ({@link FileChannel#tryLock()}) on {@code run.lock}, which the holder fills with its process id, host
 * and start time: the system releases the lock when the process ends, however it ends (a SIGKILL included), so a
 * lock is never left held by a dead process; the file's content only says who holds it, or who held it last. A
 * lock file that still names a process when the lock is taken was left by a process that did not close it (it was
 * killed): {@link #staleHolder()}. {@link #close()} clears the file and releases the lock.
 */
public final class RunLock implements AutoCloseable {
    /** The lock file's name in a run directory. */
    public static final String FILE = "run.lock";

    /**
     * Who holds (or held) a lock.
     *
     * @param pid the process id
     * @param host the host name
     * @param started when the process took the lock
     */
    public record Holder(long pid, String host, String started) {
        /** The holder written in a lock file, or empty for an empty or unreadable one. */
        static Optional<Holder> parse(String text) {
            long pid = -1;
            String host = "?";
            String started = "?";
            for (String line : text.split("\n")) {
                int eq = line.indexOf('=');
                if (eq < 0) {
                    continue;
                }
                String key = line.substring(0, eq).trim();
                String value = line.substring(eq + 1).trim();
                switch (key) {
                    case "pid" -> {
                        try {
                            pid = Long.parseLong(value);
                        } catch (NumberFormatException e) {
                            return Optional.empty();
                        }
                    }
                    case "host" -> host = value;
                    case "started" -> started = value;
                    default -> { }
                }
            }
            return pid < 0 ? Optional.empty() : Optional.of(new Holder(pid, host, started));
        }

        String text() {
            return "pid=" + pid + "\nhost=" + host + "\nstarted=" + started + "\n";
        }

        @Override
        public String toString() {
            return "process " + pid + " on " + host + " (since " + started + ")";
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Optional<Holder> stale;
    private final boolean created;

    private RunLock(Path file, FileChannel channel, FileLock lock, Optional<Holder> stale, boolean created) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.stale = stale;
        this.created = created;
    }

    /**
     * Takes the lock of {@code dir} (creating the folder), or fails at once, naming the holder, when another
     * process (or another lock in this one) holds it.
     */
    static RunLock acquire(Path dir) {
        Path file = dir.resolve(FILE);
        FileChannel channel = null;
        try {
            boolean created = !Files.exists(dir);
            Files.createDirectories(dir);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                Optional<Holder> holder = Holder.parse(read(channel));
                channel.close();
                throw new DiffusionException(dir + " is in use by " + holder.map(Holder::toString)
                        .orElse("another process") + " (lock file " + file + "); wait for it to finish, stop it, "
                        + "or choose another directory");
            }
            Optional<Holder> stale = Holder.parse(read(channel));
            Holder me = new Holder(ProcessHandle.current().pid(), host(), Instant.now().toString());
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(me.text().getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(true);
            return new RunLock(file, channel, lock, stale, created);
        } catch (IOException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // the original failure is what matters
                }
            }
            throw new DiffusionException("cannot lock " + dir + " (" + file + "): " + e, e);
        }
    }

    /** The process that held the lock last and never released it (it was killed), if any. */
    public Optional<Holder> staleHolder() {
        return stale;
    }

    /** The lock file. */
    public Path file() {
        return file;
    }

    /**
     * Clears the lock file and releases the lock; a directory the lock created and nothing else wrote into (the
     * work failed before it began) is removed again.
     */
    @Override
    public void close() {
        try (channel) {
            channel.truncate(0);
            channel.force(true);
            lock.release();
        } catch (IOException e) {
            // the system releases the lock with the channel in any case
        }
        if (created) {
            Path dir = file.getParent();
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.allMatch(file::equals)) {
                    Files.deleteIfExists(file);
                    Files.deleteIfExists(dir);
                }
            } catch (IOException e) {
                // an empty folder left behind is harmless
            }
        }
    }

    private static String read(FileChannel channel) throws IOException {
        long size = Math.min(channel.size(), 4096);
        ByteBuffer buffer = ByteBuffer.allocate((int) size);
        channel.read(buffer, 0);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown host";
        }
    }
}
