/**
 * The {@code meshgate} command line: one picocli command per verb. Commands parse settings and
 * print; the work lives in the stage packages they call.
 */
package io.meshgate.xds.cli;
