package org.diffusion4j.serve;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import org.diffusion4j.InvalidArgumentException;

/**
 * How the server listens and batches.
 *
 * @param bind the address to listen on; anything but a loopback address needs a token
 * @param port the port (0: any free port)
 * @param token the bearer token every API call but health must present, or null for none (loopback only)
 * @param limits per-request and server limits
 * @param batching whether concurrent requests with the same settings are merged into one engine batch
 * @param linger how long the engine waits after the first request of a batch for others to join it
 */
public record ServeConfig(String bind, int port, String token, Limits limits, boolean batching, Duration linger) {

    public ServeConfig {
        if (port < 0 || port > 65535) {
            throw new InvalidArgumentException("--port must be between 0 and 65535, got " + port);
        }
        if (token != null && token.isBlank()) {
            throw new InvalidArgumentException("the bearer token is empty");
        }
        if (linger == null || linger.isNegative()) {
            throw new InvalidArgumentException("the batching linger must be zero or positive, got " + linger);
        }
        if (token == null && !loopback(bind)) {
            throw new InvalidArgumentException("--bind " + bind + " is not a loopback address: a server reachable "
                    + "from other machines needs a bearer token (--token-file FILE)");
        }
    }

    /** Loopback on {@code port}, no token, default limits, batching on with a 5 ms linger. */
    public static ServeConfig loopback(int port) {
        return new ServeConfig("127.0.0.1", port, null, Limits.DEFAULT, true, Duration.ofMillis(5));
    }

    public ServeConfig withToken(String value) {
        return new ServeConfig(bind, port, value, limits, batching, linger);
    }

    public ServeConfig withLimits(Limits value) {
        return new ServeConfig(bind, port, token, value, batching, linger);
    }

    public ServeConfig withBatching(boolean on, Duration wait) {
        return new ServeConfig(bind, port, token, limits, on, wait);
    }

    /** Whether {@code host} names only this machine (127.0.0.0/8, ::1, localhost). */
    static boolean loopback(String host) {
        if (host == null || host.isBlank()) {
            throw new InvalidArgumentException("--bind needs an address, e.g. 127.0.0.1");
        }
        try {
            InetAddress[] addresses = InetAddress.getAllByName(host);
            for (InetAddress address : addresses) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            throw new InvalidArgumentException("--bind " + host + ": unknown host");
        }
    }
}
