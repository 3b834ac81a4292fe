package io.syncbn.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.syncbn.collective.Collective;
import io.syncbn.collective.CollectiveException;
import io.syncbn.collective.CollectiveTimeoutException;
import io.syncbn.collective.Ranks;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every other rank sees when a rank stalls, never comes, dies mid-operation, is interrupted, or
 * misbehaves; and that strangers are turned away without disturbing the job. Deadlines are short so
 * the suite stays fast; each case checks that the failure arrives within the deadline plus {@link
 * #SLACK}, and that the message names the culprit with its host:port.
 */
class TcpFailureTest {

    private static final Duration TIMEOUT = Duration.ofMillis(1500);
    private static final JobSecret SECRET = JobSecret.random();
    private static final TcpConfig CONFIG = new TcpConfig(SECRET).withTimeout(TIMEOUT);
    /** Time allowed beyond the deadline for a failure to surface (thread scheduling on a busy machine). */
    private static final Duration SLACK = Duration.ofMillis(1000);

    private static String name(Loopback job, int rank) {
        InetSocketAddress a = job.addresses().get(rank);
        return "rank " + rank + " (" + a.getHostString() + ":" + a.getPort() + ")";
    }

    /** Runs {@code task} on every rank except {@code absent}, which connects and then only waits. */
    private static List<Ranks.Outcome<Long>> withAbsentRank(Loopback job, TcpConfig config, int p, int absent,
            Loopback.RankTask<Object> task) {
        CountDownLatch othersDone = new CountDownLatch(p - 1);
        return Ranks.run(p, rank -> {
            try (TcpCollective c = job.connect(config, rank)) {
                if (rank == absent) {
                    othersDone.await(Ranks.HANG_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                    return 0L;
                }
                long start = System.nanoTime();
                try {
                    task.run(c);
                } finally {
                    othersDone.countDown();
                }
                return System.nanoTime() - start;
            }
        });
    }

    private static void assertFailedNaming(Ranks.Outcome<?> o, Class<? extends CollectiveException> type,
            String culprit) {
        assertInstanceOf(type, o.error(), "rank " + o.rank() + " threw " + o.error());
        assertTrue(o.error().getMessage().contains(culprit),
                "rank " + o.rank() + " should name " + culprit + ": " + o.error().getMessage());
    }

    @Test
    void aRankThatNeverCallsMakesEveryOtherRankTimeOutNamingIt() {
        int p = 4;
        Loopback job = new Loopback(p);
        long started = System.nanoTime();
        List<Ranks.Outcome<Long>> outcomes = withAbsentRank(job, CONFIG, p, 3, c -> {
            c.allReduceSum(new double[9]);
            return null;
        });
        long elapsed = System.nanoTime() - started;
        for (int r = 0; r < 3; r++) {
            Ranks.Outcome<Long> o = outcomes.get(r);
            assertFailedNaming(o, CollectiveTimeoutException.class, name(job, 3));
            assertEquals(List.of(name(job, 3)), ((CollectiveTimeoutException) o.error()).missing(),
                    "rank " + r + ": missing ranks");
        }
        assertTrue(elapsed < TIMEOUT.plus(SLACK).toNanos(), "the ranks failed after " + elapsed / 1_000_000 + " ms");
    }

    @Test
    void aRankMissingFromALargeRingReductionIsNamedByEveryone() {
        int p = 5;
        Loopback job = new Loopback(p);
        List<Ranks.Outcome<Long>> outcomes = withAbsentRank(job, CONFIG.withRingThresholdBytes(0), p, 4, c -> {
            c.allReduceSum(new float[1_000_000]);
            return null;
        });
        for (int r = 0; r < 4; r++) {
            assertFailedNaming(outcomes.get(r), CollectiveTimeoutException.class, name(job, 4));
            assertTrue(outcomes.get(r).error().getMessage().contains("never arrived"),
                    "rank " + r + ": " + outcomes.get(r).error().getMessage());
        }
    }

    @Test
    void afterAFailureEveryCallFailsAtOnceWithTheSameMessage() {
        int p = 2;
        Loopback job = new Loopback(p);
        List<Ranks.Outcome<Long>> outcomes = withAbsentRank(job, CONFIG, p, 1, c -> {
            CollectiveException first = assertThrows(CollectiveException.class, c::barrier);
            long start = System.nanoTime();
            CollectiveException second = assertThrows(CollectiveException.class, () -> c.allReduceSum(new float[3]));
            long waited = System.nanoTime() - start;
            assertEquals(first.getMessage(), second.getMessage(), "the second call repeats the first failure");
            assertTrue(waited < TimeUnit.MILLISECONDS.toNanos(100), "the second call waited " + waited + " ns");
            return null;
        });
        outcomes.get(0).get();
    }

    @Test
    void aRankThatNeverConnectsIsNamedByTheOthers() {
        Loopback job = new Loopback(3);
        TcpConfig config = CONFIG.withTimeout(Duration.ofMillis(800));
        List<Ranks.Outcome<Object>> outcomes = Ranks.run(2, rank -> job.connect(config, rank));
        for (Ranks.Outcome<Object> o : outcomes) {
            assertFailedNaming(o, CollectiveTimeoutException.class, name(job, 2) + " never connected");
            assertTrue(o.error().getMessage().startsWith("rank " + o.rank() + " waited "),
                    o.error().getMessage());
        }
        Mesh.closeQuietly(job.server(2));
    }

    @Test
    void aRankKilledMidOperationFailsTheOthersNamingIt() throws Exception {
        int p = 4;
        Loopback job = new Loopback(p);
        TcpConfig config = CONFIG.withRingThresholdBytes(0).withTimeout(Duration.ofSeconds(5));
        Thread killer = new Thread(() -> {
            try (FakePeer fake = FakePeer.join(SECRET, 3, job.addresses())) {
                Thread.sleep(200);
                // Rank 3 dies halfway through its first ring frame to rank 0.
                Frame.Header header = new Frame.Header(Frame.Kind.ALL_REDUCE_FLOAT, Frame.Algorithm.RING, 0, 0,
                        1_000_000, 0, 1_000_000);
                fake.sendRaw(0, FakePeer.header(header));
                fake.sendRaw(0, new byte[1000]);
                fake.reset();
            } catch (IOException | InterruptedException e) {
                throw new AssertionError("the fake rank 3 could not join", e);
            }
        });
        killer.start();
        List<Ranks.Outcome<Long>> outcomes = Ranks.run(3, rank -> {
            try (TcpCollective c = job.connect(config, rank)) {
                long start = System.nanoTime();
                c.allReduceSum(new float[1_000_000]);
                return System.nanoTime() - start;
            }
        });
        killer.join();
        for (Ranks.Outcome<Long> o : outcomes) {
            assertFailedNaming(o, CollectiveException.class, name(job, 3));
        }
        Mesh.closeQuietly(job.server(3));
    }

    @Test
    void anInterruptedRankFailsTheOthersNamingIt() {
        int p = 3;
        Loopback job = new Loopback(p);
        List<Ranks.Outcome<Boolean>> outcomes = Ranks.run(p, rank -> {
            try (TcpCollective c = job.connect(CONFIG, rank)) {
                if (rank == 2) {
                    Thread me = Thread.currentThread();
                    Thread interrupter = new Thread(() -> {
                        sleep(100);
                        me.interrupt();
                    });
                    interrupter.start();
                } else {
                    sleep(400);
                }
                try {
                    // Rank 2 may have sent its share before the interrupt: then the others finish this call
                    // and learn of the failure in the next.
                    for (int call = 0; call < 3; call++) {
                        c.allReduceSum(new double[5]);
                    }
                } finally {
                    if (rank == 2) {
                        assertTrue(Thread.interrupted(), "the interrupt flag stays set");
                    }
                }
                return true;
            }
        });
        assertFailedNaming(outcomes.get(2), CollectiveException.class, "rank 2 was interrupted in allReduce #0");
        for (int r = 0; r < 2; r++) {
            assertFailedNaming(outcomes.get(r), CollectiveException.class, name(job, 2));
            assertTrue(outcomes.get(r).error().getMessage().contains("was interrupted"),
                    outcomes.get(r).error().getMessage());
        }
    }

    @Test
    void anAuthenticatedPeerAnnouncingAHugeFrameIsRefusedUnread() throws Exception {
        int p = 3;
        Loopback job = new Loopback(p);
        Thread hostile = new Thread(() -> {
            try (FakePeer fake = FakePeer.join(SECRET, 2, job.addresses())) {
                // With 3 ranks, rank 2 exchanges with rank 1 in recursive doubling: it announces 2 GiB.
                fake.sendRaw(1, FakePeer.header(new Frame.Header(Frame.Kind.ALL_REDUCE,
                        Frame.Algorithm.RECURSIVE_DOUBLING, 0, 0, 4, 0, Integer.MAX_VALUE)));
                Thread.sleep(300);
            } catch (IOException | InterruptedException e) {
                throw new AssertionError("the fake rank 2 could not join", e);
            }
        });
        hostile.start();
        List<Ranks.Outcome<Long>> outcomes = Ranks.run(2, rank -> {
            try (TcpCollective c = job.connect(CONFIG, rank)) {
                long start = System.nanoTime();
                c.allReduceSum(new double[4]);
                return System.nanoTime() - start;
            }
        });
        hostile.join();
        for (Ranks.Outcome<Long> o : outcomes) {
            assertFailedNaming(o, CollectiveException.class, name(job, 2)
                    + " announced a payload of 2147483647 bytes where allReduce #0 (recursive doubling) expects"
                    + " exactly 32; the frame was refused unread");
        }
        Mesh.closeQuietly(job.server(2));
    }

    @Test
    void strangersWithAWrongSecretOrHostileBytesAreDroppedWhileTheJobConnects() throws Exception {
        int p = 2;
        Loopback job = new Loopback(p);
        InetSocketAddress rank0 = job.addresses().get(0);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<double[]> first = pool.submit(() -> {
                try (TcpCollective c = job.connect(CONFIG, 0)) {
                    double[] data = {1.0};
                    c.allReduceSum(data);
                    return data;
                }
            });
            // While rank 0 waits for rank 1: a silent stranger, one with a wrong secret, one sending 2 GiB.
            try (SocketChannel silent = SocketChannel.open(rank0);
                    SocketChannel wrongSecret = SocketChannel.open(rank0);
                    SocketChannel hostile = SocketChannel.open(rank0)) {
                byte[] hello = Handshake.hello(1, 0, p, new byte[Handshake.NONCE_BYTES]);
                FakePeer.write(wrongSecret, hello);
                byte[] challenge = FakePeer.read(wrongSecret, Handshake.CHALLENGE_BYTES);
                byte[] acceptorNonce = Arrays.copyOfRange(challenge, Integer.BYTES, Integer.BYTES + Handshake.NONCE_BYTES);
                FakePeer.write(wrongSecret, Handshake.proof(JobSecret.random(), hello, acceptorNonce));
                assertClosedByPeer(wrongSecret, "the stranger with a wrong secret");

                FakePeer.write(hostile, FakePeer.header(new Frame.Header(Frame.Kind.ALL_REDUCE,
                        Frame.Algorithm.RECURSIVE_DOUBLING, 0, 0, 4, 0, Integer.MAX_VALUE)));
                FakePeer.write(hostile, new byte[64 * 1024]);
                assertClosedByPeer(hostile, "the stranger announcing 2 GiB");
                assertTrue(silent.isConnected(), "the silent stranger is let be until its handshake time is up");

                try (TcpCollective c = job.connect(CONFIG, 1)) {
                    double[] data = {2.0};
                    c.allReduceSum(data);
                    assertArrayEquals(new double[] {3.0}, data, "rank 1 still reduces");
                }
                assertArrayEquals(new double[] {3.0}, first.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS),
                        "rank 0 still reduces");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void assertClosedByPeer(SocketChannel channel, String who) {
        ByteBuffer sink = ByteBuffer.allocate(1024);
        try {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                int n = channel.read(sink);
                if (n < 0) {
                    return;
                }
                sink.clear();
            }
            throw new AssertionError(who + " is still connected");
        } catch (IOException e) {
            // A reset is a close too.
        }
    }

    @Test
    void aGatherPayloadAboveTheLimitIsRefusedLocallyAndByTheReceiver() {
        Loopback job = new Loopback(2);
        TcpConfig small = CONFIG.withMaxGatherBytes(1000);
        TcpConfig large = CONFIG.withMaxGatherBytes(4000);
        List<Ranks.Outcome<Object>> outcomes = Ranks.run(2, rank -> {
            try (TcpCollective c = job.connect(rank == 0 ? small : large, rank)) {
                if (rank == 0) {
                    IllegalArgumentException local = assertThrows(IllegalArgumentException.class,
                            () -> c.allGather(new byte[1001]));
                    assertEquals("payload must have at most maxGatherBytes = 1000 bytes, but got 1001",
                            local.getMessage());
                }
                c.allGather(new byte[rank == 0 ? 10 : 2000]);
                // Rank 1 received all it needed before rank 0 refused; it learns of the failure next.
                c.barrier();
                return null;
            }
        });
        assertFailedNaming(outcomes.get(0), CollectiveException.class, name(job, 1)
                + " announced a payload of 2000 bytes where allGather #0 (ring) expects at most 1000");
        assertFailedNaming(outcomes.get(1), CollectiveException.class, name(job, 0) + " gave up: rank 0 stopped"
                + " allGather #0 (ring): " + name(job, 1) + " announced a payload of 2000 bytes");
    }

    @Test
    void aRankWithAnotherSecretCannotJoin() {
        Loopback job = new Loopback(2);
        TcpConfig otherSecret = new TcpConfig(JobSecret.random()).withTimeout(Duration.ofMillis(800));
        List<Ranks.Outcome<Object>> outcomes = Ranks.run(2, rank ->
                job.connect(rank == 1 ? otherSecret : CONFIG.withTimeout(Duration.ofMillis(800)), rank));
        assertFailedNaming(outcomes.get(1), CollectiveException.class,
                "rank 1 could not authenticate " + name(job, 0) + ": it does not know the job secret");
        assertFailedNaming(outcomes.get(0), CollectiveTimeoutException.class, name(job, 1) + " never connected");
    }

    @Test
    void aClosedCollectiveAndItsGroupsRefuseCalls() {
        List<Ranks.Outcome<Object>> outcomes = Loopback.run(CONFIG, 2, c -> {
            Collective pairs = c.split(2);
            pairs.close();
            IllegalStateException closedGroup = assertThrows(IllegalStateException.class, pairs::barrier);
            assertEquals("rank " + c.rank() + " called barrier after closing its collective", closedGroup.getMessage());
            Collective ones = c.split(1);
            c.close();
            c.close();
            IllegalStateException closed = assertThrows(IllegalStateException.class, () -> c.allReduceSum(new float[1]));
            assertEquals("rank " + c.rank() + " called allReduceSum(float) after closing its collective",
                    closed.getMessage());
            IllegalStateException orphan = assertThrows(IllegalStateException.class, ones::barrier);
            assertEquals("rank " + c.rank() + " called barrier after its connections were closed", orphan.getMessage());
            return null;
        });
        outcomes.forEach(Ranks.Outcome::get);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
