package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** Where the issuer publishes its keys. */
@Doc("Where the issuer publishes its keys.")
public record RemoteJwks(
    @Required @Pattern(value = Patterns.HTTPS_URL, maxLength = 1024) String uri,
    @Pattern(Patterns.DURATION) String cacheDuration,
    @Size(max = 8)
        @Doc(
            "Secrets holding ca.crt the key set's server must chain to; default: the host's CA bundle.")
        List<ObjectRef> caCertificateRefs,
    @Pattern(Patterns.DURATION)
        @Default("5s")
        @Doc("How long Envoy's fetch of the key set may take, more than 0s and at most 60s.")
        String timeout) {
  /** How long a key set fetch may take when the provider sets no timeout. */
  public static final String DEFAULT_TIMEOUT = "5s";

  public RemoteJwks {
    requireNonNull(uri, "uri");
    caCertificateRefs = Copies.list(caCertificateRefs);
  }
}
