package io.syncbn.driver.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * A {@link DataSource} over two loaded {@link DataSet}s, checked on construction: rank and
 * per-example shape of the features, labels {@code [N, classes]}, the same number of features and
 * labels rows, at least one example in each set, and only finite values (a NaN or an infinity would
 * reach training and turn every parameter into NaN a few steps later, far from its cause).
 *
 * @param name the spec or another description of where the data came from
 * @param train training examples
 * @param test held-out examples
 * @param featureShape shape of one example without the batch axis
 * @param classes width of the one-hot labels, at least 2
 */
public record InMemoryDataSource(String name, DataSet train, DataSet test, List<Integer> featureShape, int classes)
        implements DataSource {

    /** Validates the sets against the feature shape and the number of classes. */
    public InMemoryDataSource {
        Objects.requireNonNull(name, "name");
        featureShape = List.copyOf(Objects.requireNonNull(featureShape, "featureShape"));
        if (classes < 2) {
            throw new DataException(name + ": classes must be >= 2, but got " + classes);
        }
        check(name, "training", train, featureShape, classes);
        check(name, "test", test, featureShape, classes);
    }

    private static void check(String name, String role, DataSet set, List<Integer> featureShape, int classes) {
        Objects.requireNonNull(set, role + " set");
        long[] expected = new long[featureShape.size() + 1];
        long[] actual = set.getFeatures().shape();
        expected[0] = actual.length > 0 ? actual[0] : 0;
        for (int i = 0; i < featureShape.size(); i++) {
            expected[i + 1] = featureShape.get(i);
        }
        if (!Arrays.equals(expected, actual)) {
            throw new DataException(name + ": " + role + " features must have shape [N, " + featureShape.toString()
                    .substring(1) + ", but got " + Arrays.toString(actual));
        }
        long[] labels = set.getLabels().shape();
        if (labels.length != 2 || labels[0] != actual[0] || labels[1] != classes) {
            throw new DataException(name + ": " + role + " labels must have shape [" + actual[0] + ", " + classes
                    + "] (one-hot, one row per example), but got " + Arrays.toString(labels));
        }
        if (actual[0] < 1) {
            throw new DataException(name + ": the " + role + " set must hold at least 1 example, but holds 0");
        }
        requireFinite(name, role + " features", set.getFeatures());
        requireFinite(name, role + " labels", set.getLabels());
    }

    /**
     * Refuses a NaN or infinite value in {@code values} ({@code [N, ...]}), naming the first example
     * that holds one and where in it. The common case is one sum: a NaN or an infinity makes any sum
     * NaN or infinite, so a finite sum proves every value finite (several times faster than a
     * per-value test); only a sum that is not finite, from such a value or from overflow, is looked at
     * value by value.
     */
    private static void requireFinite(String name, String what, INDArray values) {
        if (Double.isFinite(values.sumNumber().doubleValue())) {
            return;
        }
        boolean[] bad = BooleanIndexing.or(values, Conditions.notFinite(), IntStream.range(1, values.rank()).toArray());
        for (int i = 0; i < bad.length; i++) {
            if (bad[i]) {
                INDArray example = values.get(NDArrayIndex.point(i)).dup('c');
                double[] flat = example.reshape(example.length()).toDoubleVector();
                for (int j = 0; j < flat.length; j++) {
                    if (!Double.isFinite(flat[j])) {
                        throw new DataException(name + ": the " + what + " of example " + i + " hold " + flat[j]
                                + " at " + Arrays.toString(position(j, example.shape())) + ", but must be finite "
                                + "numbers; repair or remove that example");
                    }
                }
            }
        }
    }

    /** The index in an array of {@code shape} of its element {@code flat} in row-major order. */
    private static long[] position(long flat, long[] shape) {
        long[] at = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            at[d] = flat % shape[d];
            flat /= shape[d];
        }
        return at;
    }
}
