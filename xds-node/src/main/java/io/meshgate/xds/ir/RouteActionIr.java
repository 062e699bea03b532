package io.meshgate.xds.ir;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/** What a matched request gets: forwarded to clusters by weight, or answered directly. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = RouteActionIr.Forward.class, name = "forward"),
  @JsonSubTypes.Type(value = RouteActionIr.DirectResponse.class, name = "direct")
})
public sealed interface RouteActionIr {

  /** Forwards to clusters in proportion to their weights (all weights positive). */
  record Forward(List<WeightedClusterIr> clusters) implements RouteActionIr {
    public Forward {
      clusters = Lists.copy(clusters);
      if (clusters.isEmpty()) {
        throw new IllegalArgumentException("a forward needs at least one cluster");
      }
    }
  }

  /** Answers without an upstream, e.g. 500 for a route whose backends cannot be resolved. */
  record DirectResponse(int status, String body) implements RouteActionIr {
    public DirectResponse {
      body = body == null ? "" : body;
    }
  }
}
