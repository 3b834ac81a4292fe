/**
 * Training and test data as DL4J {@code DataSet}s: features in the layout the models take (NCHW
 * images, NCDHW volumes, {@code [N, features]} tables), one-hot labels, FLOAT.
 *
 * <p>{@link io.syncbn.driver.data.DataSources#open(String)} reads a spec string ({@code
 * fashion-mnist}, {@code idx:DIR}, {@code csv:FILE}, {@code synthetic}, {@code synthetic3d}, with
 * {@code ?key=value&...} options, see {@link io.syncbn.driver.data.DataSpec}) into a {@link
 * io.syncbn.driver.data.DataSource}; {@link io.syncbn.driver.data.Batches} cuts a set into
 * minibatches or single examples. Every refusal is a {@link io.syncbn.driver.data.DataException}
 * naming the file, the record, line or byte offset, and the rule. No Spark code.
 */
package io.syncbn.driver.data;
