package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;

/**
 * One change to a JSON body, by JSON Pointer (RFC 6901): move {@code from} to {@code path}, remove
 * {@code path}, or set {@code path} to a template's value.
 */
@Doc(
    "One change to a JSON body, by JSON Pointer (RFC 6901): Move from to path, Remove path, or Set path to value (a template).")
public record BodyOperation(
    @Required BodyOperationType type,
    @Required @Pattern(value = Patterns.JSON_POINTER, maxLength = 512) String path,
    @Doc("Move only: the JSON Pointer of the field to move.")
        @Pattern(value = Patterns.JSON_POINTER, maxLength = 512)
        String from,
    @Doc(
            "Set only: the value, a template (${request.header.NAME}, ${request.path}, ${request.method}, ${claim.NAME}); set as a string.")
        @Size(max = 4096)
        String value) {}
