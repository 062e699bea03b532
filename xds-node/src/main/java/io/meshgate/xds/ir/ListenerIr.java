package io.meshgate.xds.ir;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/** A listener: a port Envoy binds, or an API listener a proxyless gRPC client resolves by name. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = PortListenerIr.class, name = "port"),
  @JsonSubTypes.Type(value = ApiListenerIr.class, name = "api")
})
public sealed interface ListenerIr permits PortListenerIr, ApiListenerIr {
  String name();

  List<SourceRef> sources();
}
