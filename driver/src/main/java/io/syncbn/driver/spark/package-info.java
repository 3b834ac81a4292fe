/**
 * Synchronous data-parallel training on Spark: {@link io.syncbn.driver.spark.SyncTrainingMaster}
 * plugs into DL4J's {@code SparkDl4jMultiLayer} and {@code SparkComputationGraph}; each epoch is one
 * barrier stage whose tasks train replicas that talk to each other directly.
 */
package io.syncbn.driver.spark;
