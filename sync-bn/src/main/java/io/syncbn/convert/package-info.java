/**
 * Conversion between DL4J's {@code BatchNormalization} and {@link
 * io.syncbn.nn.conf.SyncBatchNormalization}, for configurations and trained networks, so a model can
 * be trained with synchronized statistics and deployed with plain DL4J.
 */
package io.syncbn.convert;
