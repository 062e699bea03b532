/**
 * The one PEM codec (RFC 7468): certificates, private keys and public keys to and from text. No
 * file I/O here; callers read and write files and give this package the text.
 */
@NullMarked
package io.meshgate.config.pem;

import org.jspecify.annotations.NullMarked;
