/**
 * Test support: drive standalone layers per worker through the in-process collective ({@code
 * ShardRunner}) and build small networks with a batch-normalization layer for every layout ({@code
 * Networks}).
 */
package io.syncbn.testing;
