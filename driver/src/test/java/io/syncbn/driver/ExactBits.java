package io.syncbn.driver;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The raw bits of an array's values, for comparisons that must be exact (INDArray.equals allows 1e-5). */
public final class ExactBits {

    private ExactBits() {
    }

    /** Every value as float64 bits, in row-major order. */
    public static long[] of(INDArray a) {
        return Arrays.stream(a.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector())
                .mapToLong(Double::doubleToRawLongBits).toArray();
    }
}
