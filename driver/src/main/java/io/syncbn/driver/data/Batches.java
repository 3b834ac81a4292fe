package io.syncbn.driver.data;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Cuts a {@link DataSet} into consecutive minibatches, in order. Every piece owns copies of its
 * rows, never a view into the whole set, so serializing one piece (to a Spark partition, say) ships
 * only its own examples.
 */
public final class Batches {

    private Batches() {
    }

    /**
     * Consecutive minibatches of {@code batchSize} examples; the last holds the remainder. Masks,
     * if any, are cut the same way.
     *
     * @throws IllegalArgumentException if {@code batchSize} is less than 1
     */
    public static List<DataSet> split(DataSet data, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, but got " + batchSize);
        }
        int n = data.numExamples();
        List<DataSet> batches = new ArrayList<>((n + batchSize - 1) / batchSize);
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            batches.add(new DataSet(rows(data.getFeatures(), from, to), rows(data.getLabels(), from, to),
                    rows(data.getFeaturesMaskArray(), from, to), rows(data.getLabelsMaskArray(), from, to)));
        }
        return batches;
    }

    /** One {@link DataSet} per example, each of batch size 1. */
    public static List<DataSet> examples(DataSet data) {
        return split(data, 1);
    }

    private static INDArray rows(INDArray array, int from, int to) {
        if (array == null) {
            return null;
        }
        INDArrayIndex[] index = new INDArrayIndex[array.rank()];
        index[0] = NDArrayIndex.interval(from, to);
        for (int d = 1; d < index.length; d++) {
            index[d] = NDArrayIndex.all();
        }
        return array.get(index).dup();
    }
}
