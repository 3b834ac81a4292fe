package io.syncbn.driver.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import io.syncbn.api.StepMetrics;
import io.syncbn.worker.epoch.EpochResult;
import org.apache.spark.serializer.KryoRegistrator;
import org.nd4j.kryo.Nd4jSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Kryo registrations for what a training job ships through Spark: ND4J arrays (with ND4J's own
 * serializer), DL4J's {@code DataSet}/{@code MultiDataSet}, and this project's results. Set with
 * {@code spark.kryo.registrator=io.syncbn.driver.spark.SyncKryoRegistrator}; it works with
 * {@code spark.kryo.registrationRequired=true}.
 */
public class SyncKryoRegistrator implements KryoRegistrator {

    @Override
    public void registerClasses(Kryo kryo) {
        Nd4jSerializer arrays = new Nd4jSerializer();
        INDArray probe = Nd4j.scalar(0f);
        kryo.register(probe.getClass(), arrays);
        kryo.register(INDArray.class, arrays);
        kryo.register(INDArray[].class);
        kryo.register(org.nd4j.linalg.dataset.DataSet.class);
        kryo.register(org.nd4j.linalg.dataset.MultiDataSet.class);
        kryo.register(EpochResult.class, new JavaSerializer());
        kryo.register(EpochResult[].class);
        kryo.register(StepMetrics.class, new JavaSerializer());
        kryo.register(byte[].class);
        kryo.register(Object[].class);
        kryo.register(java.util.ArrayList.class);
        // The Hadoop configuration fitPaths broadcasts to the executors (it holds Hadoop's Configuration,
        // which Kryo cannot serialize field by field).
        kryo.register(org.datavec.spark.util.SerializableHadoopConfig.class, new JavaSerializer());
    }
}
