package io.syncbn.transport;

import io.syncbn.collective.Ranks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;

/** A job of ranks in one JVM, one thread each, talking over TCP on the loopback interface. */
final class Loopback {

    static final InetAddress HOST = InetAddress.getLoopbackAddress();

    /** What one rank does with its connected collective. */
    @FunctionalInterface
    interface RankTask<T> {
        T run(TcpCollective collective) throws Exception;
    }

    private final List<ServerSocketChannel> servers = new ArrayList<>();
    private final List<InetSocketAddress> addresses = new ArrayList<>();

    /** Listening sockets for {@code worldSize} ranks. */
    Loopback(int worldSize) {
        for (int r = 0; r < worldSize; r++) {
            try {
                ServerSocketChannel server = TcpCollective.listen(HOST);
                servers.add(server);
                addresses.add((InetSocketAddress) server.getLocalAddress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Every rank's listening address, in rank order. */
    List<InetSocketAddress> addresses() {
        return addresses;
    }

    /** Rank {@code rank}'s listening socket. */
    ServerSocketChannel server(int rank) {
        return servers.get(rank);
    }

    /** Connects rank {@code rank}. */
    TcpCollective connect(TcpConfig config, int rank) {
        return TcpCollective.connect(config, rank, addresses, servers.get(rank));
    }

    /** Runs {@code task} on every rank of a new loopback job and returns the outcomes by rank. */
    static <T> List<Ranks.Outcome<T>> run(TcpConfig config, int worldSize, RankTask<T> task) {
        Loopback job = new Loopback(worldSize);
        return Ranks.run(worldSize, rank -> {
            try (TcpCollective c = job.connect(config, rank)) {
                return task.run(c);
            }
        });
    }

    /** Like {@link #run}, but fails if any rank threw, and returns the values. */
    static <T> List<T> values(TcpConfig config, int worldSize, RankTask<T> task) {
        List<T> values = new ArrayList<>();
        for (Ranks.Outcome<T> outcome : run(config, worldSize, task)) {
            values.add(outcome.get());
        }
        return values;
    }
}
