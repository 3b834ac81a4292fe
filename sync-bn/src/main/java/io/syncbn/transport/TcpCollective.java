package io.syncbn.transport;

import io.syncbn.collective.Collective;
import io.syncbn.collective.CollectiveException;
import io.syncbn.collective.ReduceOp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A {@link Collective} over persistent TCP connections between the ranks of one job.
 *
 * <p>Lifecycle: each rank {@linkplain #listen binds a listening socket} on its own address, the ranks
 * exchange those addresses once (a rendezvous, e.g. Spark's barrier {@code allGather}), then each
 * calls {@link #connect}, which dials every lower rank, accepts every higher one, authenticates every
 * connection both ways with the {@link JobSecret} ({@link Handshake}), and closes the listening socket.
 * Then the ranks call the same collectives in the same order, and finally {@link #close()}.
 *
 * <p>Algorithms (R. Thakur, R. Rabenseifner and W. Gropp, "Optimization of Collective Communication
 * Operations in MPICH", 2005): all-reduce by {@link RecursiveDoubling} for small vectors and any
 * {@link ReduceOp}, by {@link Ring} (reduce-scatter then all-gather) for sums of at least {@link
 * TcpConfig#ringThresholdBytes()}; broadcast down a {@link BinomialBroadcast binomial tree}, or for
 * large vectors along a {@link ChainBroadcast pipelined chain}; barrier by {@link Dissemination};
 * all-gather of byte payloads by {@link RingGather}. Every rank ends with bit-identical results.
 *
 * <p>Every blocking step has a deadline ({@link TcpConfig#timeout()}). A rank that dies, stalls,
 * leaves or breaks the protocol makes every other rank fail with a {@link CollectiveException} (a
 * {@link io.syncbn.collective.CollectiveTimeoutException} for a stall) that names it and its
 * host:port; after that, every call fails at once.
 *
 * <p>Not thread-safe: one thread uses a collective and the groups {@linkplain #split split} from it.
 */
public final class TcpCollective implements Collective {

    /** Pending connections the listening socket queues before the rank accepts them. */
    public static final int BACKLOG = 128;

    private final TcpConfig config;
    private final Mesh mesh;
    private final Group group;
    private final boolean ownsMesh;
    private final Scratch scratch = new Scratch();
    private int seq;
    private int splits;
    private boolean open = true;

    private TcpCollective(TcpConfig config, Mesh mesh, Group group, boolean ownsMesh) {
        this.config = config;
        this.mesh = mesh;
        this.group = group;
        this.ownsMesh = ownsMesh;
    }

    /**
     * A listening socket on {@code bindAddress} only (not every interface), on a free port; pass it to
     * {@link #connect}, and its {@linkplain ServerSocketChannel#getLocalAddress() address} to the other
     * ranks.
     *
     * @param bindAddress the address of this host that the other ranks can reach
     */
    public static ServerSocketChannel listen(InetAddress bindAddress) throws IOException {
        Objects.requireNonNull(bindAddress, "bindAddress must not be null");
        return listen(new InetSocketAddress(bindAddress, 0));
    }

    /**
     * A listening socket on {@code bindAddress} only, on its port (0 for a free one).
     *
     * @param bindAddress an address of this host and a port
     */
    public static ServerSocketChannel listen(InetSocketAddress bindAddress) throws IOException {
        Objects.requireNonNull(bindAddress, "bindAddress must not be null");
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.bind(bindAddress, BACKLOG);
            return server;
        } catch (IOException e) {
            Mesh.closeQuietly(server);
            throw e;
        }
    }

    /**
     * Joins the job as rank {@code rank}: connects to every other rank and authenticates them. Blocks
     * until all are connected, or fails by the configured timeout naming the ranks that never came.
     * Takes ownership of {@code listening} and closes it.
     *
     * @param config the job's settings, the same on every rank
     * @param rank this rank, in {@code [0, peers.size())}
     * @param peers every rank's listening address, in rank order, the same list on every rank
     * @param listening this rank's socket from {@link #listen}, bound to the port of {@code peers.get(rank)}
     * @throws CollectiveException if a peer cannot be reached or authenticated in time
     */
    public static TcpCollective connect(TcpConfig config, int rank, List<InetSocketAddress> peers,
            ServerSocketChannel listening) {
        return connect(config, rank, peers, null, listening);
    }

    /**
     * {@link #connect(TcpConfig, int, List, ServerSocketChannel)} with a label per rank that failures
     * name beside its address, so a user can tell which process to look at: "rank 1 (executor 3,
     * 10.0.0.7:41002)".
     *
     * @param labels one label per rank, such as {@code "executor 3"}, or {@code null} for none
     */
    public static TcpCollective connect(TcpConfig config, int rank, List<InetSocketAddress> peers,
            List<String> labels, ServerSocketChannel listening) {
        Objects.requireNonNull(config, "config must not be null");
        Objects.requireNonNull(peers, "peers must not be null");
        Objects.requireNonNull(listening, "listening must not be null");
        if (peers.isEmpty()) {
            throw new IllegalArgumentException("peers must hold at least this rank's address, but got an empty list");
        }
        if (rank < 0 || rank >= peers.size()) {
            throw new IllegalArgumentException("rank must be in [0, " + peers.size() + "), but got " + rank);
        }
        List<InetSocketAddress> addresses = List.copyOf(peers);
        checkListening(listening, addresses.get(rank), rank);
        if (labels != null && labels.size() != addresses.size()) {
            Mesh.closeQuietly(listening);
            throw new IllegalArgumentException("labels must hold one label per rank (" + addresses.size()
                    + "), but holds " + labels.size());
        }
        String[] names = new String[addresses.size()];
        for (int j = 0; j < names.length; j++) {
            String label = labels == null || labels.get(j).isBlank() ? "" : labels.get(j) + ", ";
            names[j] = "rank " + j + " (" + label + addresses.get(j).getHostString() + ":" + addresses.get(j).getPort()
                    + ")";
        }
        SocketChannel[] channels = Connector.connect(config, rank, addresses, names, listening);
        try {
            Mesh mesh = new Mesh(rank, names, channels, config.timeout(), config.spin());
            return new TcpCollective(config, mesh, Group.world(addresses.size(), rank), true);
        } catch (IOException e) {
            for (SocketChannel channel : channels) {
                Mesh.closeQuietly(channel);
            }
            throw new CollectiveException("rank " + rank + " could not watch its connections: " + e, e);
        }
    }

    private static void checkListening(ServerSocketChannel listening, InetSocketAddress own, int rank) {
        SocketAddress local;
        try {
            local = listening.isOpen() ? listening.getLocalAddress() : null;
        } catch (IOException e) {
            local = null;
        }
        if (!(local instanceof InetSocketAddress bound) || bound.getPort() != own.getPort()) {
            Mesh.closeQuietly(listening);
            throw new IllegalArgumentException("listening must be an open socket bound to the port of peers[" + rank
                    + "] = " + own + ", but it is bound to " + local);
        }
    }

    @Override
    public int rank() {
        return group.rank();
    }

    @Override
    public int worldSize() {
        return group.size();
    }

    @Override
    public Duration timeout() {
        return config.timeout();
    }

    @Override
    public void allReduce(double[] data, ReduceOp op) {
        Objects.requireNonNull(data, "data must not be null");
        Objects.requireNonNull(op, "op must not be null");
        reduce(Frame.Kind.ALL_REDUCE, new DoubleOperand(data, op), op == ReduceOp.SUM);
    }

    @Override
    public void allReduceSum(float[] data) {
        Objects.requireNonNull(data, "data must not be null");
        reduce(Frame.Kind.ALL_REDUCE_FLOAT, new FloatOperand(data), true);
    }

    private void reduce(Frame.Kind kind, Operand v, boolean sum) {
        long bytes = payloadBytes(kind, v);
        int p = group.size();
        boolean ring = sum && bytes >= config.ringThresholdBytes();
        if (ring) {
            run(kind, Frame.Algorithm.RING, v.length(), 0, Ring.steps(p), call -> {
                Ring.allReduce(call, v, scratch);
                return null;
            });
        } else {
            run(kind, Frame.Algorithm.RECURSIVE_DOUBLING, v.length(), 0, RecursiveDoubling.steps(p), call -> {
                RecursiveDoubling.allReduce(call, v, scratch);
                return null;
            });
        }
    }

    @Override
    public void barrier() {
        run(Frame.Kind.BARRIER, Frame.Algorithm.DISSEMINATION, 0, 0, Dissemination.steps(group.size()), call -> {
            Dissemination.barrier(call);
            return null;
        });
    }

    @Override
    public List<byte[]> allGather(byte[] payload) {
        Objects.requireNonNull(payload, "payload must not be null");
        if (payload.length > config.maxGatherBytes()) {
            throw new IllegalArgumentException("payload must have at most maxGatherBytes = " + config.maxGatherBytes()
                    + " bytes, but got " + payload.length);
        }
        return run(Frame.Kind.ALL_GATHER, Frame.Algorithm.RING, 0, 0, RingGather.steps(group.size()),
                call -> RingGather.allGather(call, payload, config.maxGatherBytes()));
    }

    @Override
    public void broadcast(double[] data, int root) {
        Objects.requireNonNull(data, "data must not be null");
        broadcast(Frame.Kind.BROADCAST, new DoubleOperand(data, ReduceOp.SUM), root);
    }

    @Override
    public void broadcast(float[] data, int root) {
        Objects.requireNonNull(data, "data must not be null");
        broadcast(Frame.Kind.BROADCAST_FLOAT, new FloatOperand(data), root);
    }

    private void broadcast(Frame.Kind kind, Operand v, int root) {
        int p = group.size();
        if (root < 0 || root >= p) {
            throw new IllegalArgumentException("root must be in [0, " + p + "), but got " + root);
        }
        long bytes = payloadBytes(kind, v);
        if (bytes >= config.chainThresholdBytes() && p > 2) {
            int segments = ChainBroadcast.segments(v.length(), v.elementBytes());
            run(kind, Frame.Algorithm.CHAIN, v.length(), root, ChainBroadcast.steps(p, segments), call -> {
                ChainBroadcast.broadcast(call, v, root, scratch);
                return null;
            });
        } else {
            run(kind, Frame.Algorithm.BINOMIAL_TREE, v.length(), root, BinomialBroadcast.steps(p), call -> {
                BinomialBroadcast.broadcast(call, v, root, scratch);
                return null;
            });
        }
    }

    private static long payloadBytes(Frame.Kind kind, Operand v) {
        long bytes = (long) v.length() * v.elementBytes();
        if (bytes > Frame.MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException(kind.label + " moves at most " + Frame.MAX_PAYLOAD_BYTES
                    + " bytes per call, but got " + v.length() + " values of " + v.elementBytes() + " bytes");
        }
        return bytes;
    }

    private <T> T run(Frame.Kind kind, Frame.Algorithm algorithm, int total, int arg, int steps,
            Function<Call, T> body) {
        if (!open) {
            throw new IllegalStateException("rank " + group.rank() + " called " + kind.label
                    + " after closing its collective");
        }
        mesh.enter(kind.label);
        try {
            return body.apply(new Call(mesh, group, kind, algorithm, seq++, total, arg, steps));
        } finally {
            mesh.exit();
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The group talks over this collective's connections: no new connection is made, and closing the
     * group leaves them open. Use the group and this collective from the same thread.
     */
    @Override
    public Collective split(int groupSize) {
        int p = group.size();
        if (groupSize < 1 || p % groupSize != 0) {
            throw new IllegalArgumentException("groupSize must divide the world size " + p + ", but got " + groupSize
                    + "; use a divisor of " + p);
        }
        if (!open) {
            throw new IllegalStateException("rank " + group.rank() + " called split after closing its collective");
        }
        return new TcpCollective(config, mesh, group.split(splits++, groupSize), false);
    }

    /** Closes the connections if this is the collective that {@link #connect} returned. Idempotent. */
    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        if (ownsMesh) {
            mesh.close();
        }
    }

    /** Names the rank and group; never the secret. */
    @Override
    public String toString() {
        return "TcpCollective[rank " + group.rank() + " of " + group.size() + group.describe() + ", "
                + mesh.name(group.global(group.rank())) + "]";
    }
}
