package io.syncbn.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The floor of latency: a message bounced between two threads over one loopback TCP connection
 * (TCP_NODELAY), timed per round trip. Two ways to wait for the answer: blocked in {@code read} (the
 * kernel wakes the thread), or polling non-blocking reads and yielding in between, as the transport
 * does. On a virtual machine the wake-up can cost several times the trip itself, so both are measured.
 */
final class PingPong {

    /** Size of the plain ping-pong message. */
    static final int MESSAGE_BYTES = 8;

    private PingPong() {
    }

    /** Round-trip times in nanoseconds of {@code rounds} bounces of {@code bytes} after {@code warmup}. */
    static long[] roundTrips(int bytes, boolean poll, int warmup, int rounds) throws IOException, InterruptedException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread echo = new Thread(() -> echo(server, bytes, poll, warmup + rounds), "ping-pong-echo");
            echo.start();
            long[] times = new long[rounds];
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress())) {
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                client.configureBlocking(!poll);
                ByteBuffer buffer = ByteBuffer.allocateDirect(bytes);
                for (int i = 0; i < warmup + rounds; i++) {
                    long start = System.nanoTime();
                    buffer.clear();
                    writeFully(client, buffer);
                    buffer.clear();
                    readFully(client, buffer);
                    if (i >= warmup) {
                        times[i - warmup] = System.nanoTime() - start;
                    }
                }
            }
            echo.join();
            return times;
        }
    }

    private static void echo(ServerSocketChannel server, int bytes, boolean poll, int rounds) {
        try (SocketChannel channel = server.accept()) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.configureBlocking(!poll);
            ByteBuffer buffer = ByteBuffer.allocateDirect(bytes);
            for (int i = 0; i < rounds; i++) {
                buffer.clear();
                readFully(channel, buffer);
                buffer.flip();
                writeFully(channel, buffer);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.write(buffer) == 0) {
                Thread.yield();
            }
        }
    }

    private static void readFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer);
            if (n < 0) {
                throw new IOException("the other end closed the connection");
            }
            if (n == 0) {
                Thread.yield();
            }
        }
    }
}
