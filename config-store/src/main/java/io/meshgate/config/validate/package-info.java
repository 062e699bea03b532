/**
 * One validator for the CLI and the server: a document's kind and size, then its kind's JSON
 * Schema, then the rules a schema cannot express (RE2 semantics, duplicates, exactly-one-of,
 * conditional fields), all in one pass. Violations are data — a JSON pointer, a message a user can
 * act on, the offending value — never exceptions. References to other resources are not checked
 * here: whether they resolve is the server's ResolvedRefs.
 */
package io.meshgate.config.validate;
