package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Size;

/** What RingHash and Maglev hash on: exactly one of a header, a cookie, or the client address. */
@Doc("What RingHash and Maglev hash on: exactly one of a header, a cookie, or the client address.")
public record ConsistentHash(
    @Pattern(value = Patterns.HEADER_NAME, maxLength = 256) String header,
    @Size(min = 1, max = 256) String cookie,
    Boolean sourceIP) {}
