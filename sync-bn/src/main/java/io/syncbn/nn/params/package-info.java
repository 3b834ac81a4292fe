/** Parameter layout of the synchronized batch-normalization layer inside DL4J's flattened parameter vector. */
package io.syncbn.nn.params;
