package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * Who may call an in-mesh workload, from its TrafficPermissions: a caller matching a deny rule is
 * refused; then, if there are allow rules, only a caller matching one is let in; with none, {@code
 * allowByDefault} decides.
 */
public record AccessIr(List<Rule> denies, List<Rule> allows, boolean allowByDefault) {
  public AccessIr {
    denies = Lists.copy(denies);
    allows = Lists.copy(allows);
  }

  /** Whether a caller that no deny rule refuses gets in only by an allow rule. */
  @JsonIgnore
  public boolean restrictsCallers() {
    return !allows.isEmpty() || !allowByDefault;
  }

  /**
   * Callers (any of the principals) making requests (any of the methods, and any of the paths; none
   * listed: every request).
   */
  public record Rule(
      String name,
      List<Principal> principals,
      List<String> methods,
      List<PathMatchIr> paths,
      SourceRef source) {
    public Rule {
      requireNonNull(name, "name");
      principals = Lists.copy(principals);
      methods = Lists.copy(methods);
      paths = Lists.copy(paths);
      requireNonNull(source, "source");
    }
  }

  /** A caller by the URI SAN of its certificate: one SPIFFE ID, or every ID under a prefix. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Principal.Exact.class, name = "exact"),
    @JsonSubTypes.Type(value = Principal.Prefix.class, name = "prefix")
  })
  public sealed interface Principal {
    record Exact(String spiffeId) implements Principal {
      public Exact {
        requireNonNull(spiffeId, "spiffeId");
      }
    }

    record Prefix(String prefix) implements Principal {
      public Prefix {
        requireNonNull(prefix, "prefix");
      }
    }
  }
}
