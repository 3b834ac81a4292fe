package io.syncbn.transport;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Validation of {@link TcpConfig} and the secrecy of {@link JobSecret}. */
class TcpConfigTest {

    private static final JobSecret SECRET = JobSecret.random();

    @Test
    void defaultsAreTheDocumentedConstants() {
        TcpConfig config = new TcpConfig(SECRET);
        assertAll(
                () -> assertEquals(TcpConfig.DEFAULT_TIMEOUT, config.timeout(), "timeout"),
                () -> assertEquals(TcpConfig.DEFAULT_RING_THRESHOLD_BYTES, config.ringThresholdBytes(), "ring"),
                () -> assertEquals(TcpConfig.DEFAULT_CHAIN_THRESHOLD_BYTES, config.chainThresholdBytes(), "chain"),
                () -> assertEquals(TcpConfig.DEFAULT_MAX_GATHER_BYTES, config.maxGatherBytes(), "gather"));
    }

    @Test
    void invalidValuesAreRejectedNamingParameterRuleAndValue() {
        TcpConfig config = new TcpConfig(SECRET);
        assertAll(
                () -> assertEquals("timeout must be positive, but got PT0S", assertThrows(
                        IllegalArgumentException.class, () -> config.withTimeout(Duration.ZERO)).getMessage()),
                () -> assertEquals("ringThresholdBytes must be at least 0, but got -1", assertThrows(
                        IllegalArgumentException.class, () -> config.withRingThresholdBytes(-1)).getMessage()),
                () -> assertEquals("chainThresholdBytes must be at least 0, but got -2", assertThrows(
                        IllegalArgumentException.class, () -> config.withChainThresholdBytes(-2)).getMessage()),
                () -> assertEquals("maxGatherBytes must be in [0, 67108864], but got 67108865", assertThrows(
                        IllegalArgumentException.class,
                        () -> config.withMaxGatherBytes(TcpConfig.MAX_GATHER_LIMIT + 1)).getMessage()),
                () -> assertEquals("secret must not be null", assertThrows(NullPointerException.class,
                        () -> new TcpConfig(null)).getMessage()));
    }

    @Test
    void aSecretIsNeverPrinted() {
        byte[] key = new byte[32];
        java.util.Arrays.fill(key, (byte) 0x5a);
        JobSecret secret = JobSecret.of(key);
        String text = new TcpConfig(secret).toString();
        assertAll(
                () -> assertEquals("JobSecret[hidden]", secret.toString()),
                () -> assertFalse(text.contains(Base64.getEncoder().encodeToString(key)), text),
                () -> assertFalse(text.toLowerCase().contains("5a5a"), text),
                () -> assertFalse(text.contains("90, 90"), text));
    }

    @Test
    void aShortKeyIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobSecret.of(new byte[15]));
        assertEquals("key must have at least 16 bytes, but got 15 bytes", e.getMessage());
    }

    @Test
    void aSecretSurvivesTheTripToATask() throws IOException, ClassNotFoundException {
        TcpConfig config = new TcpConfig(SECRET).withTimeout(Duration.ofSeconds(7));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(config);
        }
        TcpConfig copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (TcpConfig) in.readObject();
        }
        byte[] message = {1, 2, 3};
        assertArrayEquals(SECRET.mac(message), copy.secret().mac(message), "the same key after the trip");
        assertEquals(Duration.ofSeconds(7), copy.timeout(), "timeout");
    }
}
