package io.syncbn.driver.data;

import java.util.List;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A data set split into training and test examples, loaded and validated: features of shape {@code
 * [N, featureShape...]} and one-hot labels {@code [N, classes]}, FLOAT (DL4J casts them to a DOUBLE
 * network's type). Both sets hold at least one example.
 *
 * <p>{@link #train()} and {@link #test()} return the loaded sets themselves, not copies: a caller
 * that shuffles or normalizes them in place changes this source.
 */
public interface DataSource {

    /** The spec this source was read from, e.g. {@code csv:/data/iris.csv?test=0.25}. */
    String name();

    /** The training examples. */
    DataSet train();

    /** The held-out examples. */
    DataSet test();

    /** Shape of one example without the batch axis, e.g. {@code [1, 28, 28]}. */
    List<Integer> featureShape();

    /** Number of classes; labels are {@code 0 .. classes-1}, one-hot encoded. */
    int classes();

    /** Number of training examples. */
    default int trainCount() {
        return train().numExamples();
    }

    /** Number of test examples. */
    default int testCount() {
        return test().numExamples();
    }

    /**
     * Refuses a training set smaller than one global batch (the examples of one step summed over all
     * workers).
     *
     * @throws IllegalArgumentException if {@code globalBatch} is less than 1
     * @throws DataException if there are fewer training examples than {@code globalBatch}
     */
    default void requireAtLeast(int globalBatch) {
        if (globalBatch < 1) {
            throw new IllegalArgumentException("globalBatch must be >= 1, but got " + globalBatch);
        }
        if (trainCount() < globalBatch) {
            throw new DataException(name() + ": the training set has " + trainCount()
                    + " examples, fewer than one global batch of " + globalBatch
                    + "; use a smaller global batch or more data");
        }
    }
}
