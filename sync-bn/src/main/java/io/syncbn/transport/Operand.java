package io.syncbn.transport;

import java.nio.ByteBuffer;

/**
 * A vector that a collective moves in ranges of elements: it encodes a range for the wire and folds a
 * received range into itself. Buffers are little-endian ({@link Frame#PAYLOAD_ORDER}); a buffer to
 * encode into is filled from position 0 and left ready to send, a received buffer is read from
 * position 0 without moving it.
 */
interface Operand {

    /** The number of elements. */
    int length();

    /** The size of one element on the wire. */
    int elementBytes();

    /** Encodes elements {@code [from, to)} into {@code out}. */
    void put(int from, int to, ByteBuffer out);

    /** Overwrites elements {@code [from, to)} with the received values. */
    void get(ByteBuffer in, int from, int to);

    /**
     * Folds a received reduction of lower ranks into elements {@code [from, to)}: the result is the
     * reduction with {@code lower} as the accumulator and this vector as the other operand.
     */
    void foldLower(ByteBuffer lower, int from, int to);

    /**
     * Folds a received reduction of higher ranks into elements {@code [from, to)}: the result is the
     * reduction with this vector as the accumulator.
     */
    void foldHigher(ByteBuffer higher, int from, int to);

    /**
     * For sums only: adds the received values to elements {@code [from, to)} and encodes the sums into
     * {@code out}, in one pass. Floating-point addition is commutative bit for bit, so the operand
     * order does not matter here.
     */
    void addAndPut(ByteBuffer in, int from, int to, ByteBuffer out);
}
