package io.syncbn.transport;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The payload of an {@link Frame.Kind#ABORT} frame: a rank gave up an operation and tells every peer
 * which rank caused it, so that ranks which were waiting on someone else still name the culprit.
 * Forwarded unchanged, so the origin and its message survive any number of hops.
 *
 * @param culprit the rank that died, stalled or misbehaved (it may be the origin itself)
 * @param origin the rank that detected the failure
 * @param timeout whether the culprit missed a deadline (rather than failing outright)
 * @param message the origin's own description of the failure
 */
record Abort(int culprit, int origin, boolean timeout, String message) {

    /** Largest payload of an abort frame; longer messages are cut. */
    static final int MAX_BYTES = 4096;

    private static final int FIXED_BYTES = 3 * Integer.BYTES;

    /** The payload, at most {@link #MAX_BYTES} bytes. */
    ByteBuffer encode() {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        int textBytes = Math.min(text.length, MAX_BYTES - FIXED_BYTES);
        ByteBuffer out = ByteBuffer.allocate(FIXED_BYTES + textBytes);
        out.putInt(culprit).putInt(origin).putInt(timeout ? 1 : 0).put(text, 0, textBytes).flip();
        return out;
    }

    /**
     * The abort in {@code in}, from a group of {@code worldSize} ranks.
     *
     * @throws Frame.ProtocolException if the payload is not an abort
     */
    static Abort decode(ByteBuffer in, int worldSize) throws Frame.ProtocolException {
        if (in.remaining() < FIXED_BYTES) {
            throw new Frame.ProtocolException("sent an abort frame of " + in.remaining() + " bytes, shorter than "
                    + FIXED_BYTES);
        }
        int culprit = in.getInt();
        int origin = in.getInt();
        int timeout = in.getInt();
        if (culprit < 0 || culprit >= worldSize || origin < 0 || origin >= worldSize || (timeout & ~1) != 0) {
            throw new Frame.ProtocolException("sent an abort frame naming culprit " + culprit + " and origin "
                    + origin + " in a job of " + worldSize + " ranks");
        }
        byte[] text = new byte[in.remaining()];
        in.get(text);
        return new Abort(culprit, origin, timeout == 1, new String(text, StandardCharsets.UTF_8));
    }
}
