package io.syncbn.transport;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * The highest rank of a job, played by the test: it authenticates to every lower rank like a real
 * rank, then sends whatever the test wants (half a frame, a hostile length) and can die abruptly.
 */
final class FakePeer implements Closeable {

    private final List<SocketChannel> links = new ArrayList<>();

    private FakePeer() {
    }

    /** Dials and authenticates to ranks {@code 0..rank-1} with {@code secret}, blocking. */
    static FakePeer join(JobSecret secret, int rank, List<InetSocketAddress> peers) throws IOException {
        FakePeer fake = new FakePeer();
        for (int j = 0; j < rank; j++) {
            fake.links.add(dial(secret, rank, j, peers));
        }
        return fake;
    }

    /** One authenticated connection from {@code rank} to {@code peer}. */
    static SocketChannel dial(JobSecret secret, int rank, int peer, List<InetSocketAddress> peers) throws IOException {
        SocketChannel channel = SocketChannel.open(peers.get(peer));
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        byte[] nonce = new byte[Handshake.NONCE_BYTES];
        new SecureRandom().nextBytes(nonce);
        byte[] hello = Handshake.hello(rank, peer, peers.size(), nonce);
        write(channel, hello);
        byte[] acceptorNonce;
        try {
            acceptorNonce = Handshake.verifyChallenge(secret, hello, read(channel, Handshake.CHALLENGE_BYTES));
            write(channel, Handshake.proof(secret, hello, acceptorNonce));
            Handshake.verifyAck(read(channel, Handshake.ACK_BYTES));
        } catch (Handshake.HandshakeException e) {
            channel.close();
            throw new IOException("rank " + peer + " " + e.getMessage(), e);
        }
        return channel;
    }

    /** Sends {@code bytes} raw to rank {@code peer}. */
    void sendRaw(int peer, byte[] bytes) throws IOException {
        write(links.get(peer), bytes);
    }

    /** The bytes of a frame header. */
    static byte[] header(Frame.Header header) {
        ByteBuffer out = ByteBuffer.allocate(Frame.HEADER_BYTES);
        header.writeTo(out);
        return out.array();
    }

    /** Dies the way a killed process does: every connection reset, nothing said. */
    void reset() throws IOException {
        for (SocketChannel link : links) {
            link.setOption(StandardSocketOptions.SO_LINGER, 0);
            link.close();
        }
    }

    @Override
    public void close() throws IOException {
        for (SocketChannel link : links) {
            link.close();
        }
    }

    static void write(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(bytes);
        while (out.hasRemaining()) {
            channel.write(out);
        }
    }

    static byte[] read(SocketChannel channel, int bytes) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(bytes);
        while (in.hasRemaining()) {
            if (channel.read(in) < 0) {
                throw new EOFException("closed after " + in.position() + " of " + bytes + " bytes");
            }
        }
        return in.array();
    }
}
