/**
 * envoy.validate: checks built Envoy messages against the protoc-gen-validate rules Envoy's API
 * protos carry, so that a config Envoy would reject is caught without running Envoy. Pure and
 * deterministic like its parent stage: it reads descriptors and messages, never a file or a clock.
 */
@NullMarked
package io.meshgate.xds.envoy.validate;

import org.jspecify.annotations.NullMarked;
