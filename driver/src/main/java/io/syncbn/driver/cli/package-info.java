/**
 * The {@code syncbn} command line (picocli): {@code train}, {@code eval}, {@code export} and {@code
 * verify-fixtures}; {@link io.syncbn.driver.cli.Main} is the main class for scripts and for {@code
 * spark-submit}. Refusals go to standard error with the value, the rule and the fix, and exit 2.
 */
package io.syncbn.driver.cli;
