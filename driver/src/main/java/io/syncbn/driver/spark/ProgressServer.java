package io.syncbn.driver.spark;

import io.syncbn.api.StepMetrics;
import io.syncbn.worker.epoch.ProgressSink;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's end of live progress: listens on the driver's address, accepts connections that open
 * with the job's token, and hands every step line to a listener. Each connection is served on its own
 * thread (at most {@link #MAX_CONNECTIONS} at once; more are closed at once), so a stranger's
 * connection cannot hold up rank 0's. Nothing large is read before the token: a connection must
 * present it within {@link #TOKEN_TIMEOUT_MILLIS} and every line is read with a bound of {@link
 * #MAX_LINE} bytes, so a peer streaming bytes without a newline is cut off after that many. {@link
 * #close} closes every connection and waits for their threads.
 */
final class ProgressServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProgressServer.class);
    /** Longest line read: a token or a step line is far shorter. */
    static final int MAX_LINE = 256;
    /** How long a new connection has to present the token. */
    static final int TOKEN_TIMEOUT_MILLIS = 5_000;
    /** Connections served at once. */
    static final int MAX_CONNECTIONS = 16;

    private final ServerSocket server;
    private final String token = HexFormat.of().formatHex(SecureRandom.getSeed(16));
    private final Consumer<StepMetrics> listener;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Set<Thread> handlers = ConcurrentHashMap.newKeySet();

    ProgressServer(String host, Consumer<StepMetrics> listener) throws IOException {
        this.listener = listener;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(host), 0), 8);
        this.acceptor = new Thread(this::acceptLoop, "syncbn-progress");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Where rank 0 reports. */
    ProgressSink sink() {
        return new ProgressSink(server.getInetAddress().getHostAddress(), server.getLocalPort(), token);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException closed) {
                return;
            }
            if (open.size() >= MAX_CONNECTIONS) {
                LOG.warn("progress connection from {} refused: {} connections are open already",
                        socket.getRemoteSocketAddress(), MAX_CONNECTIONS);
                closeQuietly(socket);
                continue;
            }
            open.add(socket);
            Thread handler = new Thread(() -> handle(socket), "syncbn-progress-connection");
            handler.setDaemon(true);
            handlers.add(handler);
            handler.start();
        }
    }

    private void handle(Socket socket) {
        try {
            serve(socket);
        } catch (IOException | RuntimeException e) {
            if (!server.isClosed()) {
                LOG.warn("progress connection from {} dropped: {}", socket.getRemoteSocketAddress(), e.toString());
            }
        } finally {
            closeQuietly(socket);
            open.remove(socket);
            handlers.remove(Thread.currentThread());
        }
    }

    private void serve(Socket socket) throws IOException {
        socket.setSoTimeout(TOKEN_TIMEOUT_MILLIS);
        InputStream in = new BufferedInputStream(socket.getInputStream(), MAX_LINE);
        String first = readLine(in);
        if (first == null || !MessageDigest.isEqual(first.getBytes(StandardCharsets.US_ASCII),
                token.getBytes(StandardCharsets.US_ASCII))) {
            LOG.warn("progress connection from {} did not present the job's token; closed", socket.getRemoteSocketAddress());
            return;
        }
        // Authenticated: rank 0 may take long between steps.
        socket.setSoTimeout(0);
        for (String line = readLine(in); line != null; line = readLine(in)) {
            listener.accept(ProgressSink.parse(line));
        }
    }

    /**
     * One line of at most {@link #MAX_LINE} bytes, without its newline; {@code null} at the end of the
     * stream.
     *
     * @throws IOException if the line is longer (nothing beyond the bound is read)
     */
    static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return line.length() == 0 ? null : line.toString();
            }
            if (line.length() == MAX_LINE) {
                throw new IOException("a progress line exceeds " + MAX_LINE + " bytes");
            }
            line.append((char) b);
        }
        return line.toString();
    }

    @Override
    public void close() {
        closeQuietly(server);
        open.forEach(ProgressServer::closeQuietly);
        try {
            acceptor.join(TOKEN_TIMEOUT_MILLIS);
            for (Thread t : List.copyOf(handlers)) {
                t.join(TOKEN_TIMEOUT_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Threads of this server still alive (for tests). */
    int liveThreads() {
        return (acceptor.isAlive() ? 1 : 0) + (int) handlers.stream().filter(Thread::isAlive).count();
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            LOG.debug("closing a progress socket", e);
        }
    }
}
