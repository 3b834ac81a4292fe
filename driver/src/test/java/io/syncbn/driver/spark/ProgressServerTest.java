package io.syncbn.driver.spark;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.api.StepMetrics;
import io.syncbn.worker.epoch.ProgressSink;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The driver's progress port against strangers: a connection streaming bytes without a newline is cut
 * off after {@link ProgressServer#MAX_LINE} bytes (before, one such connection drove the driver out of
 * heap in seconds); idle and wrong-token connections neither block rank 0's reporter nor stay open
 * past the token deadline; {@code close} leaves no thread behind.
 */
class ProgressServerTest {

    @Test
    void strangersDoNotHoldUpOrExhaustTheDriver() throws Exception {
        List<StepMetrics> received = new CopyOnWriteArrayList<>();
        ProgressServer server = new ProgressServer("127.0.0.1", received::add);
        ProgressSink sink = server.sink();
        try (Socket idle = new Socket(sink.host(), sink.port());
                Socket flood = new Socket(sink.host(), sink.port());
                Socket wrong = new Socket(sink.host(), sink.port())) {
            wrong.getOutputStream().write("not-the-token\n".getBytes(StandardCharsets.US_ASCII));
            long sent = floodUntilCut(flood.getOutputStream(), 64L << 20);
            try (ProgressSink.Reporter reporter = sink.open()) {
                reporter.accept(new StepMetrics(0, 32, 2.25, 7, 12.5));
                reporter.accept(new StepMetrics(1, 32, 2.0, 9, 11.0));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (received.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            idle.setSoTimeout(ProgressServer.TOKEN_TIMEOUT_MILLIS * 3);
            int idleRead = idle.getInputStream().read();
            assertAll(
                    () -> assertEquals(2, received.size(), "rank 0's steps arrive while strangers are connected"),
                    () -> assertEquals(9, received.get(1).correct()),
                    () -> assertTrue(sent < 64L << 20, "the flood is cut off: the driver stopped reading after "
                            + sent + " bytes"),
                    () -> assertEquals(-1, idleRead, "an idle connection is closed after the token deadline"));
        } finally {
            server.close();
        }
        assertEquals(0, server.liveThreads(), "no thread left after close");
    }

    @Test
    void linesAreReadWithABound() throws IOException {
        String ok = "a".repeat(ProgressServer.MAX_LINE);
        assertEquals(ok, ProgressServer.readLine(new ByteArrayInputStream((ok + "\nrest").getBytes(
                StandardCharsets.US_ASCII))));
        IOException e = assertThrows(IOException.class, () -> ProgressServer.readLine(new ByteArrayInputStream(
                ("b".repeat(ProgressServer.MAX_LINE + 1) + "\n").getBytes(StandardCharsets.US_ASCII))));
        assertEquals("a progress line exceeds 256 bytes", e.getMessage());
    }

    /** Writes up to {@code limit} bytes without a newline; returns how many went out before the peer closed. */
    private static long floodUntilCut(OutputStream out, long limit) {
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'x');
        long sent = 0;
        try {
            while (sent < limit) {
                out.write(chunk);
                sent += chunk.length;
            }
        } catch (IOException cut) {
            return sent;
        }
        return sent;
    }
}
