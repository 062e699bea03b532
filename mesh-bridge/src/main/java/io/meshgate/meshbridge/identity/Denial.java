package io.meshgate.meshbridge.identity;

import static java.util.Objects.requireNonNull;

/**
 * A mesh's own rule that {@code caller} may not call {@code target}, as its source reads it (a
 * Consul intention that denies): the gateway would be refused, so translation reports it and does
 * not route there.
 *
 * @param reason what the mesh says, naming the rule (e.g. the intention)
 */
public record Denial(SpiffeId caller, SpiffeId target, String reason) {
  public Denial {
    requireNonNull(caller, "caller");
    requireNonNull(target, "target");
    requireNonNull(reason, "reason");
  }
}
