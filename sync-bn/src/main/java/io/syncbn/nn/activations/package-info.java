/**
 * Activation functions for DL4J layers ({@code IActivation}), with the arithmetic of DL4J's own but
 * faster on the CPU backend.
 */
package io.syncbn.nn.activations;
