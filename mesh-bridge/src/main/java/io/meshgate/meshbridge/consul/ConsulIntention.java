package io.meshgate.meshbridge.consul;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * One Consul intention as {@code GET /v1/connect/intentions/match} lists it: who may (or may not)
 * call a service. Only L4 intentions ({@code Action}) are read; an intention with L7 {@code
 * Permissions} has no {@code Action} and is left out here, as Consul's own authorize endpoint
 * treats it as a deny only for L4 callers.
 */
public record ConsulIntention(
    String id, String source, String destination, boolean allow, int precedence) {
  /** More intentions for one service than an answer is read with. */
  public static final int MAX_PER_SERVICE = 1024;

  /** Consul's wildcard: any source. */
  public static final String ANY = "*";

  public ConsulIntention {
    requireNonNull(id, "id");
    requireNonNull(source, "source");
    requireNonNull(destination, "destination");
  }

  /** {@code src => dst (allow|deny)}: how Consul's CLI and UI name an intention. */
  public String name() {
    return source + " => " + destination + " (" + (allow ? "allow" : "deny") + ")";
  }

  /**
   * The intention that decides whether {@code caller} may call, by Consul's precedence: the highest
   * first, an exact source before {@code *}; empty when none matches (then Consul's default
   * applies, which follows its ACL default policy).
   */
  public static Optional<ConsulIntention> deciding(
      List<ConsulIntention> intentions, String caller) {
    return intentions.stream()
        .filter(i -> i.source().equals(caller) || i.source().equals(ANY))
        .sorted(
            Comparator.comparingInt(ConsulIntention::precedence)
                .reversed()
                .thenComparing(i -> i.source().equals(ANY)))
        .findFirst();
  }

  /**
   * Reads the list for {@code service} from a match answer, {@code {"<service>": [...]}}.
   *
   * @throws IllegalArgumentException naming the field that is wrong
   */
  static List<ConsulIntention> read(JsonNode answer, String service) {
    JsonNode list = answer.path(service);
    if (list.isMissingNode() || list.isNull()) {
      return List.of();
    }
    if (!list.isArray()) {
      throw new IllegalArgumentException(service + ": expected a list of intentions");
    }
    if (list.size() > MAX_PER_SERVICE) {
      throw new IllegalArgumentException(
          service + ": " + list.size() + " intentions (expected: at most " + MAX_PER_SERVICE + ")");
    }
    List<ConsulIntention> read = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode intention = list.get(i);
      String action = intention.path("Action").asText("");
      if (action.isEmpty()) {
        continue; // L7 permissions
      }
      if (!action.equals("allow") && !action.equals("deny")) {
        throw new IllegalArgumentException(
            service + "[" + i + "].Action: '" + action + "' (expected: allow or deny)");
      }
      read.add(
          new ConsulIntention(
              intention.path("ID").asText(""),
              intention.path("SourceName").asText(""),
              intention.path("DestinationName").asText(service),
              action.equals("allow"),
              intention.path("Precedence").asInt(0)));
    }
    return List.copyOf(read);
  }
}
