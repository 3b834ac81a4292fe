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
 * The floor of latency: an 8-byte message bounced between two threads over one loopback TCP
 * connection (blocking sockets, TCP_NODELAY), timed per round trip.
 */
final class PingPong {

    static final int MESSAGE_BYTES = 8;

    private PingPong() {
    }

    /** Round-trip times in nanoseconds of {@code rounds} bounces after {@code warmup}. */
    static long[] roundTrips(int warmup, int rounds) throws IOException, InterruptedException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread echo = new Thread(() -> echo(server, warmup + rounds), "ping-pong-echo");
            echo.start();
            long[] times = new long[rounds];
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress())) {
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ByteBuffer buffer = ByteBuffer.allocateDirect(MESSAGE_BYTES);
                for (int i = 0; i < warmup + rounds; i++) {
                    long start = System.nanoTime();
                    bounce(client, buffer);
                    if (i >= warmup) {
                        times[i - warmup] = System.nanoTime() - start;
                    }
                }
            }
            echo.join();
            return times;
        }
    }

    private static void bounce(SocketChannel channel, ByteBuffer buffer) throws IOException {
        buffer.clear();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new IOException("the echo thread closed the connection");
            }
        }
    }

    private static void echo(ServerSocketChannel server, int rounds) {
        try (SocketChannel channel = server.accept()) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer buffer = ByteBuffer.allocateDirect(MESSAGE_BYTES);
            for (int i = 0; i < rounds; i++) {
                buffer.clear();
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer) < 0) {
                        return;
                    }
                }
                buffer.flip();
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
