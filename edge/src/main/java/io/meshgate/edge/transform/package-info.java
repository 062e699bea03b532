/**
 * JSON body transformation for Envoy's external processing filter ({@code
 * envoy.service.ext_proc.v3.ExternalProcessor}): transformations as immutable data ({@link
 * io.meshgate.edge.transform.TransformConfig}), a pure transformer of JSON bodies by JSON Pointer
 * ({@link io.meshgate.edge.transform.JsonTransformer}: bounded size and depth, no I/O) and the gRPC
 * bidi stream Envoy drives ({@link io.meshgate.edge.transform.TransformService}). Nothing here
 * knows about policies or the translation to Envoy: the node derives the config from its IR.
 */
@NullMarked
package io.meshgate.edge.transform;

import org.jspecify.annotations.NullMarked;
