package io.syncbn.driver.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A {@link DataSource} over two loaded {@link DataSet}s, checked on construction: rank and
 * per-example shape of the features, labels {@code [N, classes]}, the same number of features and
 * labels rows, at least one example in each set.
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
    }
}
