package io.syncbn.worker.epoch;

import io.syncbn.collective.Collective;
import io.syncbn.collective.CollectiveException;
import io.syncbn.transport.TcpCollective;
import io.syncbn.transport.TcpConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;

/**
 * Rendezvous of a barrier stage's tasks over TCP: each task listens on its executor's own address (a
 * free port), exchanges {@code host:port} with every other task in exactly one Spark {@code
 * allGather} (about a second; never per step), and then connects to all of them with the job's secret
 * ({@link TcpCollective}). Ranks are partition ids.
 *
 * @param config the job's transport settings, including its secret (never logged)
 */
public record TcpBarrierConnector(TcpConfig config) implements CollectiveConnector {

    private static final long serialVersionUID = 1L;

    /** Validates. */
    public TcpBarrierConnector {
        Objects.requireNonNull(config, "config");
    }

    @Override
    public Collective connect(BarrierTaskContext context) {
        int rank = context.partitionId();
        ServerSocketChannel listening;
        InetAddress host;
        try {
            host = InetAddress.getByName(SparkEnv.get().blockManager().blockManagerId().host());
            listening = TcpCollective.listen(host);
        } catch (IOException e) {
            throw new CollectiveException("rank " + rank + " cannot listen on its executor's address: " + e, e);
        }
        int port = ((InetSocketAddress) localAddress(listening)).getPort();
        String[] endpoints = context.allGather(host.getHostAddress() + ":" + port);
        return TcpCollective.connect(config, rank, parse(endpoints), listening);
    }

    /** {@code host:port} strings, in rank order, as addresses. */
    static List<InetSocketAddress> parse(String[] endpoints) {
        List<InetSocketAddress> peers = new ArrayList<>(endpoints.length);
        for (int r = 0; r < endpoints.length; r++) {
            String e = endpoints[r];
            int colon = e.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("rank " + r + " published endpoint \"" + e + "\", which is not host:port");
            }
            peers.add(new InetSocketAddress(e.substring(0, colon), Integer.parseInt(e.substring(colon + 1))));
        }
        return peers;
    }

    private static java.net.SocketAddress localAddress(ServerSocketChannel channel) {
        try {
            return channel.getLocalAddress();
        } catch (IOException e) {
            throw new CollectiveException("cannot read the listening address: " + e, e);
        }
    }

    @Override
    public String toString() {
        return "TcpBarrierConnector[timeout=" + config.timeout() + "]";
    }
}
