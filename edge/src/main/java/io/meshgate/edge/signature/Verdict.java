package io.meshgate.edge.signature;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/** What the verifier decided about one request. */
public sealed interface Verdict {
  /**
   * A signature verified: its label, the key that made it, its nonce (to be accepted once when the
   * policy requires nonces) and when it was created.
   */
  record Verified(String label, String keyid, Optional<String> nonce, Instant created)
      implements Verdict {
    public Verified {
      requireNonNull(label, "label");
      requireNonNull(keyid, "keyid");
      requireNonNull(nonce, "nonce");
      requireNonNull(created, "created");
    }
  }

  /** No signature verified; the reason is the first signature's. */
  record Rejected(Reason reason) implements Verdict {
    public Rejected {
      requireNonNull(reason, "reason");
    }
  }
}
