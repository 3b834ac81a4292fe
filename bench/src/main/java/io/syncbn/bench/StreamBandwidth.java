package io.syncbn.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The ceiling of bandwidth: one loopback TCP stream between two threads, written and read in 1 MiB
 * direct buffers, timed from the first write to the last byte read.
 */
final class StreamBandwidth {

    private static final int CHUNK = 1 << 20;

    private StreamBandwidth() {
    }

    /** Bytes per second of one transfer of {@code bytes}. */
    static double bytesPerSecond(long bytes) throws IOException, InterruptedException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            long[] end = new long[1];
            Thread reader = new Thread(() -> end[0] = drain(server, bytes), "stream-reader");
            reader.start();
            long start;
            try (SocketChannel client = SocketChannel.open(server.getLocalAddress())) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
                start = System.nanoTime();
                for (long sent = 0; sent < bytes; sent += CHUNK) {
                    buffer.clear().limit((int) Math.min(CHUNK, bytes - sent));
                    while (buffer.hasRemaining()) {
                        client.write(buffer);
                    }
                }
                reader.join();
            }
            return bytes / ((end[0] - start) / 1e9);
        }
    }

    private static long drain(ServerSocketChannel server, long bytes) {
        try (SocketChannel channel = server.accept()) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK);
            long received = 0;
            while (received < bytes) {
                buffer.clear();
                int n = channel.read(buffer);
                if (n < 0) {
                    throw new IOException("the writer closed after " + received + " of " + bytes + " bytes");
                }
                received += n;
            }
            return System.nanoTime();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
