package io.syncbn.worker.rendezvous;

import io.syncbn.collective.CollectiveException;
import io.syncbn.transport.TcpCollective;
import io.syncbn.transport.TcpConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * All ranks of a job in this JVM, each with its own {@link TcpCollective} over the loopback interface:
 * for benchmarks and tests of the real transport without Spark or a cluster.
 */
public final class LoopbackRendezvous {

    private LoopbackRendezvous() {
    }

    /**
     * Connects {@code worldSize} ranks to each other (concurrently, since each blocks until all are
     * connected) and returns their collectives in rank order; the caller closes them.
     */
    public static List<TcpCollective> connectAll(TcpConfig config, int worldSize) {
        if (worldSize < 1) {
            throw new IllegalArgumentException("worldSize must be at least 1, but got " + worldSize);
        }
        List<ServerSocketChannel> servers = new ArrayList<>();
        List<InetSocketAddress> peers = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(worldSize);
        try {
            for (int r = 0; r < worldSize; r++) {
                ServerSocketChannel server = TcpCollective.listen(InetAddress.getLoopbackAddress());
                servers.add(server);
                peers.add((InetSocketAddress) server.getLocalAddress());
            }
            List<Future<TcpCollective>> futures = new ArrayList<>();
            for (int r = 0; r < worldSize; r++) {
                int rank = r;
                futures.add(pool.submit(() -> TcpCollective.connect(config, rank, peers, servers.get(rank))));
            }
            List<TcpCollective> collectives = new ArrayList<>();
            for (Future<TcpCollective> future : futures) {
                collectives.add(future.get());
            }
            return collectives;
        } catch (IOException e) {
            servers.forEach(LoopbackRendezvous::closeQuietly);
            throw new UncheckedIOException("cannot listen on the loopback interface", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r
                    : new CollectiveException("a loopback rank failed to connect: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("interrupted while connecting loopback ranks", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void closeQuietly(ServerSocketChannel server) {
        try {
            server.close();
        } catch (IOException e) {
            // Already failing with a better error.
        }
    }
}
