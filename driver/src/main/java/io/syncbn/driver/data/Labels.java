package io.syncbn.driver.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** One-hot encoding of class indices that the readers have already checked against the class count. */
final class Labels {

    private Labels() {
    }

    /** {@code [labels.length, classes]} FLOAT, a single 1 per row at the label's column. */
    static INDArray oneHot(int[] labels, int classes) {
        float[] data = new float[Math.multiplyExact(labels.length, classes)];
        for (int i = 0; i < labels.length; i++) {
            data[i * classes + labels[i]] = 1f;
        }
        return Nd4j.create(data, new long[] {labels.length, classes}, DataType.FLOAT);
    }
}
