package io.meshgate.xds.ir;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What a request is counted by: one entry of the descriptor Envoy sends. {@link #key} is the
 * entry's key; {@link #value} the value every counted request has, or null when each distinct value
 * is counted on its own.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = RateLimitSelectorIr.ClientAddress.class, name = "clientAddress"),
  @JsonSubTypes.Type(value = RateLimitSelectorIr.Header.class, name = "header"),
  @JsonSubTypes.Type(value = RateLimitSelectorIr.Claim.class, name = "claim"),
  @JsonSubTypes.Type(value = RateLimitSelectorIr.Path.class, name = "path"),
  @JsonSubTypes.Type(value = RateLimitSelectorIr.Route.class, name = "route")
})
public sealed interface RateLimitSelectorIr {
  String key();

  @Nullable String value();

  /**
   * The client's address as the connection manager trusts it (after {@code x-forwarded-for}'s
   * trusted hops); with a prefix length, the network it is in. Envoy names the entry itself.
   */
  record ClientAddress(@Nullable Integer ipv4PrefixLength, @Nullable Integer ipv6PrefixLength)
      implements RateLimitSelectorIr {
    @Override
    public String key() {
      return masked() ? "masked_remote_address" : "remote_address";
    }

    @Override
    public @Nullable String value() {
      return null;
    }

    /** Whether requests are counted by network rather than by address. */
    public boolean masked() {
      return ipv4PrefixLength != null || ipv6PrefixLength != null;
    }
  }

  /** A request header (name lower-cased); with a value, only requests that carry it. */
  record Header(String name, @Nullable String value) implements RateLimitSelectorIr {
    public Header {
      name = requireNonNull(name, "name").toLowerCase(Locale.ROOT);
    }

    @Override
    public String key() {
      return "header:" + name;
    }
  }

  /**
   * A top-level string claim of the verified JWT, from the payload jwt_authn leaves in metadata.
   */
  record Claim(String name) implements RateLimitSelectorIr {
    public Claim {
      requireNonNull(name, "name");
    }

    @Override
    public String key() {
      return "claim:" + name;
    }

    @Override
    public @Nullable String value() {
      return null;
    }
  }

  /**
   * Only requests whose path (without the query) matches; they share one counter. The entry's value
   * is a constant: the rule's own entry already says which path the rule means.
   */
  record Path(PathMatchIr match) implements RateLimitSelectorIr {
    public static final String MATCHED = "matched";

    public Path {
      requireNonNull(match, "match");
    }

    @Override
    public String key() {
      return "path";
    }

    @Override
    public String value() {
      return MATCHED;
    }
  }

  /** A counter per route: Envoy sends the route's name, the service counts each on its own. */
  record Route() implements RateLimitSelectorIr {
    @Override
    public String key() {
      return "route";
    }

    @Override
    public @Nullable String value() {
      return null;
    }
  }
}
