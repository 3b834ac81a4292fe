package io.syncbn.transport;

import java.nio.ByteBuffer;

/**
 * All-reduce of a sum by a ring: a reduce-scatter, then an all-gather, each of {@code p - 1} steps in
 * which every rank sends one chunk of {@code n / p} elements to its right neighbour while receiving
 * one from its left (Thakur, Rabenseifner and Gropp 2005, as above). Each rank sends and receives
 * {@code 2 (p - 1) / p} of the vector in all, the least any algorithm can, so it serves large vectors
 * such as gradients; its {@code 2 (p - 1)} latencies make it slower than recursive doubling for small
 * ones.
 *
 * <p>Chunk {@code c} is summed in the same ring order on every run, starting at rank {@code c}; after
 * the reduce-scatter rank {@code r} holds the finished chunk {@code r + 1}, and the all-gather passes
 * finished chunks along as received bytes, so every rank copies exactly the owner's values: results
 * are bit-identical everywhere. Only for sums, whose operand order does not change the bits.
 */
final class Ring {

    private Ring() {
    }

    /** The number of steps for {@code p} ranks. */
    static int steps(int p) {
        return 2 * (p - 1);
    }

    /** The first element of chunk {@code c} when {@code n} elements are cut into {@code p} near-equal chunks. */
    static int chunkStart(int c, int n, int p) {
        return (int) ((long) c * n / p);
    }

    /** {@code a mod p}, in {@code [0, p)}. */
    static int mod(int a, int p) {
        return ((a % p) + p) % p;
    }

    /** Sums {@code v} across the group of {@code call}, in place. */
    static void allReduce(Call call, Operand v, Scratch scratch) {
        int p = call.size();
        int r = call.rank();
        int n = v.length();
        int eb = v.elementBytes();
        int right = mod(r + 1, p);
        int left = mod(r - 1, p);
        int maxBytes = (n / p + 1) * eb;
        ByteBuffer send = scratch.buffer(0, maxBytes);
        ByteBuffer recv = scratch.buffer(1, maxBytes);
        v.put(chunkStart(r, n, p), chunkStart(r + 1, n, p), send);
        for (int s = 0; s < p - 1; s++) {
            int c = mod(r - s - 1, p);
            int lo = chunkStart(c, n, p);
            int hi = chunkStart(c + 1, n, p);
            call.exchange(s, right, send, left, recv, (hi - lo) * eb);
            v.addAndPut(recv, lo, hi, send);
        }
        for (int s = 0; s < p - 1; s++) {
            int c = mod(r - s, p);
            int lo = chunkStart(c, n, p);
            int hi = chunkStart(c + 1, n, p);
            call.exchange(p - 1 + s, right, send, left, recv, (hi - lo) * eb);
            v.get(recv, lo, hi);
            ByteBuffer received = recv;
            recv = send;
            send = received;
        }
    }
}
