package io.syncbn.driver.data;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Cutting a set into minibatches: sizes for an exact and an uneven division, a batch larger than
 * the set, and single examples; contents in order; copies, not views; refusal of batch size 0.
 */
class BatchesTest {

    @ParameterizedTest(name = "{0} examples by {1}")
    @CsvSource({"10, 4, '4,4,2'", "8, 4, '4,4'", "3, 5, '3'", "4, 1, '1,1,1,1'"})
    void sizesAndContentsFollowTheSet(int n, int batchSize, String sizes) {
        DataSet data = images(n);
        List<DataSet> batches = Batches.split(data, batchSize);
        int[] expected = Arrays.stream(sizes.split(",")).mapToInt(Integer::parseInt).toArray();
        assertArrayEquals(expected, batches.stream().mapToInt(DataSet::numExamples).toArray(), "batch sizes");
        assertAll(IntStream.range(0, batches.size()).mapToObj(b -> () -> {
            int from = b * batchSize;
            int to = from + batches.get(b).numExamples();
            assertEquals(rows(data.getFeatures(), from, to), batches.get(b).getFeatures(), "features of batch " + b);
            assertEquals(rows(data.getLabels(), from, to), batches.get(b).getLabels(), "labels of batch " + b);
        }));
    }

    @Test
    void examplesAreBatchesOfOneThatOwnTheirData() {
        DataSet data = images(3);
        List<DataSet> examples = Batches.examples(data);
        examples.get(1).getFeatures().assign(-1);
        assertAll(
                () -> assertEquals(3, examples.size()),
                () -> assertArrayEquals(new long[] {1, 1, 2, 2}, examples.get(0).getFeatures().shape()),
                () -> assertFalse(examples.get(0).getFeatures().isView(), "a copy, not a view"),
                () -> assertEquals(4.0, data.getFeatures().getDouble(1, 0, 0, 0), 0.0,
                        "writing to an example leaves the set unchanged"));
    }

    @Test
    void batchSizeBelowOneIsRefused() {
        assertEquals("batchSize must be >= 1, but got 0", assertThrows(IllegalArgumentException.class,
                () -> Batches.split(images(2), 0)).getMessage());
    }

    private static DataSet images(int n) {
        INDArray x = Nd4j.linspace(DataType.FLOAT, 0, n * 4, 1).reshape(n, 1, 2, 2);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 3);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % 3, 1);
        }
        return new DataSet(x, y);
    }

    private static INDArray rows(INDArray a, int from, int to) {
        return a.get(NDArrayIndex.interval(from, to)).dup();
    }
}
