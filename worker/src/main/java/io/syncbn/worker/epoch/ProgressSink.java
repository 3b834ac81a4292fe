package io.syncbn.worker.epoch;

import io.syncbn.api.StepMetrics;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Serializable;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where rank 0 reports each step while the barrier stage runs, so the driver can show live progress:
 * a TCP address on the driver and a per-job token that opens the connection. One text line per step.
 * Progress is best effort: if the driver cannot be reached, training goes on without it.
 *
 * @param host the driver's address
 * @param port the driver's progress port
 * @param token the job's token, sent first (never logged)
 */
public record ProgressSink(String host, int port, String token) implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ProgressSink.class);
    private static final int CONNECT_TIMEOUT_MILLIS = 5000;

    /** The line format: iteration, examples, loss, correct, milliseconds. */
    public static String line(StepMetrics m) {
        return String.format(Locale.ROOT, "%d %d %.17g %d %.3f", m.iteration(), m.examples(), m.loss(), m.correct(),
                m.millis());
    }

    /** Parses a {@link #line}; throws {@link IllegalArgumentException} for anything else. */
    public static StepMetrics parse(String line) {
        String[] f = line.trim().split(" ");
        if (f.length != 5) {
            throw new IllegalArgumentException("a progress line has 5 fields, but got " + f.length);
        }
        return new StepMetrics(Long.parseLong(f[0]), Long.parseLong(f[1]), Double.parseDouble(f[2]),
                Long.parseLong(f[3]), Double.parseDouble(f[4]));
    }

    /** Connects and returns the per-step reporter with which to close it; a no-op reporter if the driver is unreachable. */
    public Reporter open() {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
            socket.setTcpNoDelay(true);
            Writer out = new BufferedWriter(new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.US_ASCII));
            out.write(token);
            out.write('\n');
            out.flush();
            return new Reporter(socket, out);
        } catch (IOException e) {
            try {
                socket.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            LOG.warn("cannot reach the driver's progress port {}:{} ({}); training continues without live progress",
                    host, port, e.toString());
            return new Reporter(null, null);
        }
    }

    /** Sends step lines; closing ends the stream. */
    public static final class Reporter implements Consumer<StepMetrics>, AutoCloseable {
        private final Socket socket;
        private final Writer out;
        private boolean broken;

        Reporter(Socket socket, Writer out) {
            this.socket = socket;
            this.out = out;
            this.broken = socket == null;
        }

        @Override
        public void accept(StepMetrics m) {
            if (broken) {
                return;
            }
            try {
                out.write(line(m));
                out.write('\n');
                out.flush();
            } catch (IOException e) {
                broken = true;
                LOG.warn("live progress stopped: {}", e.toString());
            }
        }

        @Override
        public void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException e) {
                    LOG.debug("closing the progress connection", e);
                }
            }
        }
    }
}
