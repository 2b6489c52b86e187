package org.diffusion4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.diffusion4j.DiffusionException;
import org.diffusion4j.io.AtomicFiles;
import org.diffusion4j.io.FileAccessException;

/**
 * Fetches a file from the first mirror that serves it and keeps it only if its SHA-256 matches: the download goes to
 * a temporary file, is hashed on the way, and is renamed into place after the check.
 */
public final class Downloader {
    private final HttpClient client;

    public Downloader() {
        this.client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(15)).build();
    }

    /** Downloads to {@code target}; throws, naming every mirror tried, if none delivers the expected bytes. */
    public void download(List<URI> mirrors, String sha256, Path target) {
        List<String> failures = new ArrayList<>();
        for (URI uri : mirrors) {
            try {
                HttpResponse<InputStream> response = client.send(
                        HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5)).GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                if (response.statusCode() != 200) {
                    response.body().close();
                    failures.add(uri + ": HTTP " + response.statusCode());
                    continue;
                }
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                String[] actual = new String[1];
                try {
                    AtomicFiles.write(target, out -> {
                        try (InputStream in = new DigestInputStream(response.body(), digest)) {
                            in.transferTo(out);
                        }
                        actual[0] = HexFormat.of().formatHex(digest.digest());
                        if (!actual[0].equalsIgnoreCase(sha256)) {
                            throw new IOException("SHA-256 " + actual[0] + ", expected " + sha256);
                        }
                    });
                    return;
                } catch (UncheckedIOException e) {
                    failures.add(uri + ": " + e.getCause().getMessage());
                }
            } catch (IOException e) {
                failures.add(uri + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DiffusionException("download of " + target.getFileName() + " interrupted");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new DiffusionException("could not download " + target.getFileName() + ": " + String.join("; ",
                failures));
    }

    /** The SHA-256 of bytes, in lower-case hex. */
    public static String sha256Of(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The SHA-256 of a file, in lower-case hex. */
    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw FileAccessException.reading(file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
