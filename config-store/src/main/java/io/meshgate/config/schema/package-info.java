/**
 * One JSON Schema (draft 2020-12) per kind, generated from the model's records and their {@link
 * io.meshgate.config.model.Constraint} markers, so the schema and the model cannot drift. The same
 * schemas validate documents at run time, ship in {@code config-store/schemas/} for editors, and
 * feed docs/config-reference.md.
 */
package io.meshgate.config.schema;
