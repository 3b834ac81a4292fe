package io.syncbn.worker.rendezvous;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.syncbn.transport.JobSecret;
import io.syncbn.transport.TcpCollective;
import io.syncbn.transport.TcpConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The rendezvous without Spark: from a list of addresses, and all ranks in one JVM. */
class PlainRendezvousTest {

    private static final TcpConfig CONFIG = new TcpConfig(JobSecret.random()).withTimeout(Duration.ofSeconds(20));

    @Test
    void ranksGivenTheSameAddressListConnectAndReduce() throws Exception {
        int p = 3;
        List<String> addresses = new ArrayList<>();
        for (int r = 0; r < p; r++) {
            // A port that was free a moment ago; the rank binds it again in join.
            try (ServerSocketChannel probe = TcpCollective.listen(InetAddress.getLoopbackAddress())) {
                addresses.add(HostPort.format((InetSocketAddress) probe.getLocalAddress()));
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(p);
        try {
            List<Future<double[]>> futures = new ArrayList<>();
            for (int r = 0; r < p; r++) {
                int rank = r;
                futures.add(pool.submit(() -> {
                    try (TcpCollective c = StaticRendezvous.join(CONFIG, rank, addresses)) {
                        double[] data = {rank, 10};
                        c.allReduceSum(data);
                        return data;
                    }
                }));
            }
            for (int r = 0; r < p; r++) {
                assertArrayEquals(new double[] {3, 30}, futures.get(r).get(30, TimeUnit.SECONDS), "rank " + r);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void loopbackRanksComeBackInRankOrder() throws IOException {
        List<TcpCollective> ranks = LoopbackRendezvous.connectAll(CONFIG, 4);
        try {
            for (int r = 0; r < 4; r++) {
                assertEquals(r, ranks.get(r).rank(), "rank at index " + r);
                assertEquals(4, ranks.get(r).worldSize(), "world size of rank " + r);
            }
        } finally {
            ranks.forEach(TcpCollective::close);
        }
    }
}
