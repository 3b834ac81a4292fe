package io.syncbn.transport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The header that precedes every payload on an authenticated connection, and the receiver's check of
 * it. Eight big-endian ints: magic, kind, algorithm, group, sequence number, total length, argument
 * and payload size. A receiver always knows what the next frame on a connection must be (collectives
 * run in the same order everywhere and TCP keeps each connection in order), so it compares the header
 * with its expectation, size included, before it allocates or reads a single payload byte.
 *
 * <p>Payloads are raw little-endian arrays of the reduced element type; nothing on the wire is Java
 * object serialization.
 */
final class Frame {

    /** "SBN1". */
    static final int MAGIC = 0x53424E31;

    /** Bytes of a header. */
    static final int HEADER_BYTES = 8 * Integer.BYTES;

    /** Byte order of payloads. */
    static final ByteOrder PAYLOAD_ORDER = ByteOrder.LITTLE_ENDIAN;

    /** Largest payload of one frame. */
    static final int MAX_PAYLOAD_BYTES = Integer.MAX_VALUE - 16;

    private Frame() {
    }

    /** What a frame carries. */
    enum Kind {
        ALL_REDUCE("allReduce"),
        ALL_REDUCE_FLOAT("allReduceSum(float)"),
        ALL_GATHER("allGather"),
        BARRIER("barrier"),
        BROADCAST("broadcast"),
        BROADCAST_FLOAT("broadcast(float)"),
        /** A rank gave up the operation; the payload says who caused it (see {@link Abort}). */
        ABORT("abort");

        private static final Kind[] VALUES = values();

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** How an operation moves its data; ranks must agree, so it travels in the header. */
    enum Algorithm {
        RECURSIVE_DOUBLING("recursive doubling"),
        RING("ring"),
        DISSEMINATION("dissemination"),
        BINOMIAL_TREE("binomial tree"),
        CHAIN("chain"),
        NONE("no algorithm");

        private static final Algorithm[] VALUES = values();

        final String label;

        Algorithm(String label) {
            this.label = label;
        }
    }

    /**
     * One frame header.
     *
     * @param kind the operation
     * @param algorithm how the operation runs
     * @param group the tag of the group the operation belongs to
     * @param seq the operation's number within its group
     * @param total the number of elements of the whole vector (0 where meaningless)
     * @param arg the operation's argument: the root of a broadcast, else 0
     * @param bytes the size of the payload that follows
     */
    record Header(Kind kind, Algorithm algorithm, int group, int seq, int total, int arg, int bytes) {

        /** Writes this header at {@code out}'s position. */
        void writeTo(ByteBuffer out) {
            out.putInt(MAGIC).putInt(kind.ordinal()).putInt(algorithm.ordinal()).putInt(group).putInt(seq)
                    .putInt(total).putInt(arg).putInt(bytes);
        }

        /** This header with another payload size. */
        Header withBytes(int newBytes) {
            return new Header(kind, algorithm, group, seq, total, arg, newBytes);
        }

        /** E.g. "allReduce #12 (ring) of group 3". */
        String operation() {
            return describe(kind, seq, algorithm, group);
        }
    }

    /**
     * Reads a header from {@code in}'s next {@link #HEADER_BYTES} bytes.
     *
     * @throws ProtocolException if the bytes are not a syncbn header
     */
    static Header read(ByteBuffer in) throws ProtocolException {
        int magic = in.getInt();
        if (magic != MAGIC) {
            throw new ProtocolException(String.format("sent bytes that are not a syncbn frame (magic 0x%08x)", magic));
        }
        int kind = in.getInt();
        int algorithm = in.getInt();
        if (kind < 0 || kind >= Kind.VALUES.length || algorithm < 0 || algorithm >= Algorithm.VALUES.length) {
            throw new ProtocolException("sent a frame of unknown kind " + kind + " or algorithm " + algorithm);
        }
        return new Header(Kind.VALUES[kind], Algorithm.VALUES[algorithm], in.getInt(), in.getInt(), in.getInt(),
                in.getInt(), in.getInt());
    }

    /** "allReduce #12 (ring) of group 3"; the group is left out for the whole job (tag 0). */
    static String describe(Kind kind, int seq, Algorithm algorithm, int group) {
        return kind.label + " #" + seq + (algorithm == Algorithm.NONE ? "" : " (" + algorithm.label + ")")
                + (group == 0 ? "" : " of group " + Integer.toHexString(group));
    }

    /**
     * What a receiver accepts as the next frame: the same operation, and a payload size in
     * {@code [minBytes, maxBytes]}.
     */
    record Expect(Header template, int minBytes, int maxBytes) {

        /** A frame of exactly {@code bytes} bytes. */
        static Expect exactly(Header template, int bytes) {
            return new Expect(template, bytes, bytes);
        }

        /**
         * Why {@code actual} is not the expected frame, phrased after the sender ("sent ..."), or null if
         * it is.
         */
        String problem(Header actual) {
            Header t = template;
            if (actual.kind() != t.kind() || actual.group() != t.group() || actual.seq() != t.seq()) {
                return "sent " + actual.operation() + " while this rank is in " + t.operation()
                        + "; every rank must call the same collectives, with the same group sizes, in the same order";
            }
            if (actual.algorithm() != t.algorithm()) {
                return "runs " + actual.operation() + " while this rank runs " + t.operation()
                        + "; every rank must use the same TcpConfig thresholds";
            }
            if (actual.arg() != t.arg()) {
                return "uses root " + actual.arg() + " in " + t.operation() + " while this rank uses root " + t.arg()
                        + "; every rank must pass the same root";
            }
            if (actual.total() != t.total()) {
                return "passes " + actual.total() + " values to " + t.operation() + " while this rank passes "
                        + t.total() + "; every rank must pass arrays of the same length";
            }
            if (actual.bytes() < minBytes || actual.bytes() > maxBytes) {
                return "announced a payload of " + actual.bytes() + " bytes where " + t.operation() + " expects "
                        + (minBytes == maxBytes ? "exactly " + minBytes : "at most " + maxBytes)
                        + "; the frame was refused unread";
            }
            return null;
        }
    }

    /** A peer sent something that is not the protocol; the message is phrased after the sender. */
    static final class ProtocolException extends Exception {

        private static final long serialVersionUID = 1L;

        ProtocolException(String message) {
            super(message);
        }
    }
}
