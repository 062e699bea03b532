/**
 * The one certificate authority: checks and signs what the caller decided (names, validity window,
 * serial). No file I/O and no clock here; PEM is {@code io.meshgate.config.pem.Pem}'s.
 */
@NullMarked
package io.meshgate.meshbridge.ca;

import org.jspecify.annotations.NullMarked;
