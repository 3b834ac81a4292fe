package io.syncbn.worker.replica;

import static io.syncbn.worker.replica.ReplicaEquivalenceTest.build;
import static io.syncbn.worker.replica.ReplicaEquivalenceTest.data;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.syncbn.api.BnMode;
import io.syncbn.collective.InProcessGroup;
import java.lang.reflect.Array;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A step exchanges the gradient in a heap array the size of the gradient: the replica allocates it
 * once and reuses it every step, including steps in which the worker has no examples. Cases: float32
 * and float64 networks, 2 workers, 4 steps, worker 1 empty in step 2.
 */
class ExchangeBufferTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void theGradientBufferIsAllocatedOnceAndReused(DataType dt) {
        List<String> failures = InProcessGroup.runEach(2, Duration.ofSeconds(60), c -> {
            Model net = build("list-dense", "adam", dt);
            Replica replica = Replica.of(net, c, BnMode.SYNC);
            List<String> problems = new ArrayList<>();
            if (replica.exchangeBuffer() != null) {
                problems.add("rank " + c.rank() + " holds a buffer before its first step");
            }
            Object first = null;
            for (int step = 0; step < 4; step++) {
                boolean empty = step == 2 && c.rank() == 1;
                replica.step(empty ? null : data("list-dense", 3, dt, 10L * step + c.rank()));
                Object buffer = replica.exchangeBuffer();
                if (step == 0) {
                    first = buffer;
                } else if (buffer != first) {
                    problems.add("rank " + c.rank() + " step " + step + " exchanged in a new array");
                }
            }
            long expected = net.params().length() + 3;
            if (Array.getLength(first) != expected) {
                problems.add("rank " + c.rank() + " buffer has " + Array.getLength(first) + " elements, expected "
                        + expected + " (gradient + loss, examples, correct)");
            }
            return String.join("; ", problems);
        });
        assertAll(
                () -> assertEquals("", failures.get(0)),
                () -> assertEquals("", failures.get(1)));
    }
}
