/**
 * DL4J layer implementations: {@link io.syncbn.nn.layers.SyncBatchNormalizationLayer}, the runtime
 * side of {@link io.syncbn.nn.conf.SyncBatchNormalization}.
 */
package io.syncbn.nn.layers;
