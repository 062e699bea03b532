package io.meshgate.testkit.ads;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** How the client answered one response: an ACK or a NACK, sent before the caller hears of it. */
public sealed interface Answer permits Answer.Accepted, Answer.Rejected {

  Received received();

  /**
   * ACKed and now held.
   *
   * @param unpacked every resource of the response by name, unpacked into its type, in order
   */
  record Accepted(ResourceType type, Received received, Map<String, Message> unpacked)
      implements Answer {
    public Accepted {
      requireNonNull(type, "type");
      requireNonNull(received, "received");
      unpacked = Collections.unmodifiableMap(new LinkedHashMap<>(unpacked));
    }
  }

  /**
   * NACKed with {@code reason} as the error detail, reporting the last version accepted; nothing of
   * it held.
   */
  record Rejected(Received received, String reason) implements Answer {
    public Rejected {
      requireNonNull(received, "received");
      requireNonNull(reason, "reason");
    }
  }
}
