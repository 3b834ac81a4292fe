package io.syncbn.driver.data;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The global-batch check and the shape checks of an in-memory source, with their messages. */
class DataSourceTest {

    @Test
    void fewerExamplesThanOneGlobalBatchAreRefusedNamingBothNumbers() {
        DataSource data = DataSources.open("synthetic?train=20&test=4");
        assertAll(
                () -> assertDoesNotThrow(() -> data.requireAtLeast(20), "exactly one batch"),
                () -> assertEquals("synthetic?train=20&test=4: the training set has 20 examples, fewer than one global"
                        + " batch of 32; use a smaller global batch or more data",
                        assertThrows(DataException.class, () -> data.requireAtLeast(32)).getMessage()),
                () -> assertEquals("globalBatch must be >= 1, but got 0",
                        assertThrows(IllegalArgumentException.class, () -> data.requireAtLeast(0)).getMessage()));
    }

    @Test
    void trainSubsetKeepsTheFirstTrainingExamplesAndTheWholeTestSet() {
        DataSource all = DataSources.open("synthetic?train=64&test=16");
        DataSource first = DataSources.open("synthetic?train=64&test=16&train-subset=10");
        assertAll(
                () -> assertEquals(10, first.trainCount()),
                () -> assertArrayEquals(values(all.train().getFeatures().get(NDArrayIndex.interval(0, 10))),
                        values(first.train().getFeatures()), "the first 10 examples, in order"),
                () -> assertArrayEquals(values(all.train().getLabels().get(NDArrayIndex.interval(0, 10))),
                        values(first.train().getLabels()), "their labels"),
                () -> assertArrayEquals(values(all.test().getFeatures()), values(first.test().getFeatures()),
                        "the test set unchanged"),
                () -> assertEquals("data spec \"synthetic?train=64&test=16&train-subset=0\": option train-subset must "
                        + "be an integer >= 1, but got \"0\"", assertThrows(DataException.class,
                                () -> DataSources.open("synthetic?train=64&test=16&train-subset=0")).getMessage()));
    }

    private static double[] values(INDArray a) {
        return a.dup('c').reshape(-1).toDoubleVector();
    }

    @Test
    void inMemorySourceChecksShapesAgainstFeatureShapeAndClasses() {
        DataSet ok = new DataSet(Nd4j.zeros(DataType.FLOAT, 4, 1, 2, 2), Nd4j.zeros(DataType.FLOAT, 4, 3));
        DataSet wrongImage = new DataSet(Nd4j.zeros(DataType.FLOAT, 4, 1, 3, 2), Nd4j.zeros(DataType.FLOAT, 4, 3));
        DataSet wrongLabels = new DataSet(Nd4j.zeros(DataType.FLOAT, 4, 1, 2, 2), Nd4j.zeros(DataType.FLOAT, 4, 5));
        List<Integer> shape = List.of(1, 2, 2);
        assertAll(
                () -> assertEquals(4, new InMemoryDataSource("t", ok, ok, shape, 3).testCount()),
                () -> assertEquals("t: test features must have shape [N, 1, 2, 2], but got [4, 1, 3, 2]",
                        assertThrows(DataException.class,
                                () -> new InMemoryDataSource("t", ok, wrongImage, shape, 3)).getMessage()),
                () -> assertEquals("t: training labels must have shape [4, 3] (one-hot, one row per example), but got"
                        + " [4, 5]", assertThrows(DataException.class,
                                () -> new InMemoryDataSource("t", wrongLabels, ok, shape, 3)).getMessage()),
                () -> assertEquals("t: classes must be >= 2, but got 1", assertThrows(DataException.class,
                        () -> new InMemoryDataSource("t", ok, ok, shape, 1)).getMessage()));
    }

    /**
     * NaN and infinities anywhere in the features or labels, named by example and position; finite
     * values pass, also when their sum overflows.
     */
    @Test
    void inMemorySourceRefusesValuesThatAreNotFinite() {
        List<Integer> shape = List.of(1, 2, 2);
        INDArray images = Nd4j.zeros(DataType.FLOAT, 4, 1, 2, 2).addi(0.5);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 4, 3);
        DataSet ok = new DataSet(images, labels);
        DataSet nan = new DataSet(images.dup(), labels);
        nan.getFeatures().putScalar(new long[] {2, 0, 1, 0}, Float.NaN);
        DataSet infinite = new DataSet(images, labels.dup());
        infinite.getLabels().putScalar(new long[] {3, 1}, Float.NEGATIVE_INFINITY);
        DataSet table = new DataSet(Nd4j.zeros(DataType.FLOAT, 4, 5), labels);
        table.getFeatures().putScalar(new long[] {1, 4}, Float.POSITIVE_INFINITY);
        DataSet huge = new DataSet(Nd4j.zeros(DataType.FLOAT, 4, 1, 2, 2).addi(3e38f), labels);
        assertAll(
                () -> assertDoesNotThrow(() -> new InMemoryDataSource("t", ok, ok, shape, 3), "finite values"),
                () -> assertDoesNotThrow(() -> new InMemoryDataSource("t", huge, ok, shape, 3),
                        "finite values whose sum overflows"),
                () -> assertEquals("t: the test features of example 2 hold NaN at [0, 1, 0], but must be finite "
                        + "numbers; repair or remove that example", assertThrows(DataException.class,
                                () -> new InMemoryDataSource("t", ok, nan, shape, 3)).getMessage()),
                () -> assertEquals("t: the training labels of example 3 hold -Infinity at [1], but must be finite "
                        + "numbers; repair or remove that example", assertThrows(DataException.class,
                                () -> new InMemoryDataSource("t", infinite, ok, shape, 3)).getMessage()),
                () -> assertEquals("t: the training features of example 1 hold Infinity at [4], but must be finite "
                        + "numbers; repair or remove that example", assertThrows(DataException.class,
                                () -> new InMemoryDataSource("t", table, table, List.of(5), 3)).getMessage()));
    }
}
