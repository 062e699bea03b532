package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** What a route's most specific {@code waf} asks: inspection by one WAF, or none at all. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = WafRouteIr.Inspect.class, name = "inspect"),
  @JsonSubTypes.Type(value = WafRouteIr.Off.class, name = "off")
})
public sealed interface WafRouteIr {
  /** The SecurityPolicy the route takes its {@code waf} from. */
  SourceRef policy();

  /**
   * Each request and response is inspected by the WAF filter {@code name} ({@link WafIr#name()}).
   */
  record Inspect(String name, SourceRef policy) implements WafRouteIr {
    public Inspect {
      requireNonNull(name, "name");
      requireNonNull(policy, "policy");
    }
  }

  /** A more specific policy turned a wider policy's WAF off: nothing is inspected. */
  record Off(SourceRef policy) implements WafRouteIr {
    public Off {
      requireNonNull(policy, "policy");
    }
  }
}
