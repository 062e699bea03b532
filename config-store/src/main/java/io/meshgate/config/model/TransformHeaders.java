package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;

/**
 * Headers to set, add and remove on the request (before it goes upstream) and on the response
 * (before it reaches the client). Values are templates: {@code ${request.header.NAME}}, {@code
 * ${request.path}}, {@code ${request.method}}, {@code ${client.ip}}, {@code ${claim.NAME}}.
 */
@Doc(
    "Headers to set, add and remove on the request (before it goes upstream) and on the response (before it reaches the client). Values are templates: ${request.header.NAME}, ${request.path}, ${request.method}, ${client.ip}, ${claim.NAME} (a verified JWT claim); other text is literal.")
public record TransformHeaders(HeaderModifier request, HeaderModifier response) {}
