/**
 * Conversion between DL4J's own layers and this project's — {@code BatchNormalization} and {@link
 * io.syncbn.nn.conf.SyncBatchNormalization} ({@link io.syncbn.convert.BatchNormConversion}), and
 * every project layer at once ({@link io.syncbn.convert.LayerConversion}) — for configurations and
 * trained networks, so a model can be trained on this project's layers and deployed with plain DL4J.
 */
package io.syncbn.convert;
