package io.syncbn.driver.spark;

import io.syncbn.worker.epoch.ProgressSink;
import io.syncbn.worker.replica.StepMetrics;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's end of live progress: listens on the driver's address, accepts connections that open
 * with the job's token, and hands every step line to a listener on a background thread. Lines that do
 * not parse, or are longer than a step line can be, end that connection.
 */
final class ProgressServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProgressServer.class);
    private static final int MAX_LINE = 256;

    private final ServerSocket server;
    private final String token = HexFormat.of().formatHex(SecureRandom.getSeed(16));
    private final Consumer<StepMetrics> listener;
    private final Thread acceptor;

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
            try (Socket socket = server.accept()) {
                serve(socket);
            } catch (SocketException closed) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warn("progress connection dropped: {}", e.toString());
            }
        }
    }

    private void serve(Socket socket) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII),
                MAX_LINE);
        String first = in.readLine();
        if (first == null || !MessageDigest.isEqual(first.getBytes(StandardCharsets.US_ASCII),
                token.getBytes(StandardCharsets.US_ASCII))) {
            LOG.warn("progress connection from {} did not present the job's token; closed", socket.getRemoteSocketAddress());
            return;
        }
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.length() > MAX_LINE) {
                throw new IOException("progress line of " + line.length() + " characters exceeds " + MAX_LINE);
            }
            listener.accept(ProgressSink.parse(line));
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing the progress server", e);
        }
    }
}
