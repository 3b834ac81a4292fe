package io.syncbn.transport;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One authenticated connection to a peer, with the state of the frame being written to it. Reading
 * state lives with the read ({@link Mesh}), since a read always completes within one exchange.
 */
final class Link {

    final int peer;
    final String name;
    final SocketChannel channel;
    final ByteBuffer headerIn = ByteBuffer.allocateDirect(Frame.HEADER_BYTES);
    private final ByteBuffer headerOut = ByteBuffer.allocateDirect(Frame.HEADER_BYTES);
    private final ByteBuffer[] frame = new ByteBuffer[2];
    private SelectionKey key;
    private int interest;

    Link(int peer, String name, SocketChannel channel) {
        this.peer = peer;
        this.name = name;
        this.channel = channel;
    }

    void setKey(SelectionKey key) {
        this.key = key;
        this.interest = key.interestOps();
    }

    /** Asks the selector to report these readiness events; skips the call if nothing changes. */
    void interest(int ops) {
        if (ops != interest) {
            key.interestOps(ops);
            interest = ops;
        }
    }

    /** Queues a frame: {@code header} with {@code payload}'s remaining bytes, which it consumes. */
    void startFrame(Frame.Header header, ByteBuffer payload) {
        headerOut.clear();
        header.withBytes(payload.remaining()).writeTo(headerOut);
        headerOut.flip();
        frame[0] = headerOut;
        frame[1] = payload;
    }

    /** Writes until the frame is out or the socket is full; true once the whole frame is out. */
    boolean writeSome() throws IOException {
        while (frame[1].hasRemaining() || frame[0].hasRemaining()) {
            if (channel.write(frame) == 0) {
                return false;
            }
        }
        frame[1] = null;
        return true;
    }

    /** Whether part, but not all, of a frame is out: nothing else may be written before it ends. */
    boolean midFrame() {
        return frame[1] != null && headerOut.position() > 0;
    }

    /** Reads into {@code into} until it is full or the socket is empty; true once it is full. */
    boolean readSome(ByteBuffer into) throws IOException {
        while (into.hasRemaining()) {
            int n = channel.read(into);
            if (n < 0) {
                throw new EOFException("it closed the connection");
            }
            if (n == 0) {
                return false;
            }
        }
        return true;
    }
}
