package io.syncbn.worker.rendezvous;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The text form of addresses exchanged in a rendezvous. */
class HostPortTest {

    @Test
    void ipv4AndIpv6AddressesSurviveTheTrip() throws UnknownHostException {
        InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 4000);
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 4001);
        assertEquals("10.1.2.3:4000", HostPort.format(v4));
        assertEquals("[0:0:0:0:0:0:0:1]:4001", HostPort.format(v6));
        assertEquals(v4, HostPort.parse(HostPort.format(v4)));
        assertEquals(v6, HostPort.parse(HostPort.format(v6)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "host", "host:", ":4000", "host:0", "host:65536", "host:http"})
    void malformedAddressesAreRejectedQuotingThem(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text));
        assertEquals("address must be host:port with a port in [1, 65535], but got \"" + text + "\"", e.getMessage());
    }
}
