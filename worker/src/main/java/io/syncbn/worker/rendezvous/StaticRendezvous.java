package io.syncbn.worker.rendezvous;

import io.syncbn.transport.TcpCollective;
import io.syncbn.transport.TcpConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.List;

/**
 * The rendezvous for processes started without Spark that already know every rank's address, e.g.
 * from a host file: rank {@code r} listens on the {@code r}-th address and connects to the others.
 */
public final class StaticRendezvous {

    private StaticRendezvous() {
    }

    /**
     * Joins the job as rank {@code rank}.
     *
     * @param config the job's settings, the same on every rank
     * @param rank this rank, in {@code [0, addresses.size())}
     * @param addresses every rank's {@code host:port}, in rank order; this rank listens on its own
     */
    public static TcpCollective join(TcpConfig config, int rank, List<String> addresses) {
        List<InetSocketAddress> peers = HostPort.parseAll(addresses);
        if (rank < 0 || rank >= peers.size()) {
            throw new IllegalArgumentException("rank must be in [0, " + peers.size() + "), but got " + rank);
        }
        ServerSocketChannel server;
        try {
            server = TcpCollective.listen(peers.get(rank));
        } catch (IOException e) {
            throw new UncheckedIOException("rank " + rank + " cannot listen on " + addresses.get(rank), e);
        }
        return TcpCollective.connect(config, rank, peers, server);
    }
}
