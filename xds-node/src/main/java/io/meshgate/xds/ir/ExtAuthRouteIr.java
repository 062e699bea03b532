package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/** What a route's most specific {@code extAuth} asks: a check by one service, or none at all. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = ExtAuthRouteIr.Check.class, name = "check"),
  @JsonSubTypes.Type(value = ExtAuthRouteIr.Off.class, name = "off")
})
public sealed interface ExtAuthRouteIr {
  /** The SecurityPolicy the route takes its {@code extAuth} from. */
  SourceRef policy();

  /**
   * Each request is checked by the service {@code name} ({@link ExtAuthIr#name()}).
   *
   * @param policy the policy of that name
   * @param headersToUpstream the headers an OK answer of that service sets on the request ({@link
   *     ExtAuthIr#headersToUpstream()}): removed from the client's request first
   */
  record Check(String name, SourceRef policy, List<String> headersToUpstream)
      implements ExtAuthRouteIr {
    public Check {
      requireNonNull(name, "name");
      requireNonNull(policy, "policy");
      headersToUpstream = Lists.copy(headersToUpstream);
    }
  }

  /** A more specific policy turned a wider policy's check off: no request is checked. */
  record Off(SourceRef policy) implements ExtAuthRouteIr {
    public Off {
      requireNonNull(policy, "policy");
    }
  }
}
