package io.syncbn.transport;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The collective port range: its text form, its rules, and listening inside it. */
class PortRangeTest {

    private static final InetAddress HOST = InetAddress.getLoopbackAddress();

    @Test
    void parsesRangesSinglePortsAndAny() {
        assertAll(
                () -> assertEquals(new PortRange(41000, 41063), PortRange.parse("41000-41063")),
                () -> assertEquals(new PortRange(41000, 41000), PortRange.parse(" 41000 ")),
                () -> assertEquals(PortRange.ANY, PortRange.parse("0")),
                () -> assertEquals(PortRange.ANY, PortRange.parse("")),
                () -> assertEquals("41000-41063", PortRange.parse("41000-41063").toString()),
                () -> assertEquals(64, PortRange.parse("41000-41063").size()));
    }

    @Test
    void refusesWhatIsNotARange() {
        assertAll(
                () -> assertEquals("port range must be FIRST-LAST (e.g. 41000-41063), one port, or 0 for any free port, "
                        + "but got \"41000:41063\"", assertThrows(IllegalArgumentException.class,
                                () -> PortRange.parse("41000:41063")).getMessage()),
                () -> assertEquals("port range must be FIRST-LAST with 1 <= FIRST <= LAST <= 65535 (or 0 for any free "
                        + "port), but got 41063-41000", assertThrows(IllegalArgumentException.class,
                                () -> PortRange.parse("41063-41000")).getMessage()),
                () -> assertThrows(IllegalArgumentException.class, () -> PortRange.parse("1-70000")));
    }

    @Test
    void listensOnEveryPortOfTheRangeThenSaysItIsFull() throws Exception {
        int first;
        try (ServerSocketChannel probe = TcpCollective.listen(new InetSocketAddress(HOST, 0))) {
            first = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        PortRange range = new PortRange(first, first + 2);
        Set<Integer> ports = new HashSet<>();
        ServerSocketChannel[] open = new ServerSocketChannel[3];
        try {
            for (int i = 0; i < 3; i++) {
                open[i] = range.listen(HOST);
                ports.add(((InetSocketAddress) open[i].getLocalAddress()).getPort());
            }
            assertEquals(Set.of(first, first + 1, first + 2), ports, "each port of the range once");
            BindException full = assertThrows(BindException.class, () -> range.listen(HOST));
            assertTrue(full.getMessage().startsWith("every port of the collective port range " + range + " on "
                    + HOST.getHostAddress() + " is in use (3 ports)"), full.getMessage());
        } finally {
            for (ServerSocketChannel s : open) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }
}
