package io.syncbn.transport;

import java.nio.ByteBuffer;

/**
 * One collective operation of one group in progress: its frame header, its deadlines, and its
 * exchanges with group ranks.
 *
 * <p>Deadlines are staggered by step: step {@code k} of {@code steps} must end by {@code start +
 * timeout - (steps - 1 - k) * stagger}. A rank waiting at step {@code k} waits on a rank that is stuck
 * at an earlier step, so when one rank stalls, the ranks that wait for it directly give up first and
 * their {@link Abort} reaches the others before their own deadline: every rank names the stalled one.
 * The stagger is a quarter of the timeout spread over the steps, at most {@link #MAX_STAGGER_NANOS}.
 */
final class Call {

    /** Largest gap between the deadlines of consecutive steps: 250 ms. */
    static final long MAX_STAGGER_NANOS = 250_000_000L;

    private final Mesh mesh;
    private final Group group;
    private final Frame.Header header;
    private final String name;
    private final long start;
    private final long end;
    private final long timeout;
    private final int steps;

    /**
     * @param steps the number of exchanges the algorithm makes, at least 1
     */
    Call(Mesh mesh, Group group, Frame.Kind kind, Frame.Algorithm algorithm, int seq, int total, int arg, int steps) {
        this.mesh = mesh;
        this.group = group;
        this.header = new Frame.Header(kind, algorithm, group.tag(), seq, total, arg, 0);
        this.name = kind.label + " #" + seq + (algorithm == Frame.Algorithm.NONE ? "" : " (" + algorithm.label + ")")
                + group.describe();
        this.start = System.nanoTime();
        this.timeout = mesh.timeout().toNanos();
        this.end = start + timeout;
        this.steps = steps;
    }

    /**
     * How long before the end of the operation step {@code step} of {@code steps} must end: 0 for the
     * last step, one stagger more for each step before it.
     */
    static long headroom(long timeoutNanos, int steps, int step) {
        int s = Math.max(1, steps);
        long stagger = Math.min(timeoutNanos / (4L * s), MAX_STAGGER_NANOS);
        return (s - 1 - Math.min(Math.max(step, 0), s - 1)) * stagger;
    }

    /** The number of ranks in the group. */
    int size() {
        return group.size();
    }

    /** This rank within the group. */
    int rank() {
        return group.rank();
    }

    /** When step {@code step} must end. */
    long deadline(int step) {
        return end - headroom(timeout, steps, step);
    }

    /**
     * Sends {@code out} to group rank {@code to} while receiving exactly {@code bytes} bytes from group
     * rank {@code from} into {@code into}; either rank may be -1.
     *
     * @return {@code into}, holding the received payload, or null if nothing was received
     */
    ByteBuffer exchange(int step, int to, ByteBuffer out, int from, ByteBuffer into, int bytes) {
        return mesh.exchange(name, to < 0 ? -1 : group.global(to), header, out, from < 0 ? -1 : group.global(from),
                Frame.Expect.exactly(header, bytes), into, start, deadline(step));
    }

    /**
     * Sends {@code out} to group rank {@code to} while receiving a payload of at most {@code maxBytes}
     * bytes from group rank {@code from}; either rank may be -1.
     *
     * @return the received payload in a new buffer, or null if nothing was received
     */
    ByteBuffer exchangeUpTo(int step, int to, ByteBuffer out, int from, int maxBytes) {
        return mesh.exchange(name, to < 0 ? -1 : group.global(to), header, out, from < 0 ? -1 : group.global(from),
                new Frame.Expect(header, 0, maxBytes), null, start, deadline(step));
    }
}
