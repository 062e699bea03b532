package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;
import java.util.Map;

/** TLS on a listener: terminate with these certificates (chosen by SNI), or pass through. */
@Doc("TLS on a listener: terminate with these certificates (chosen by SNI), or pass through.")
public record ListenerTls(
    @Default("Terminate") @Doc("Terminate (default) or Passthrough (TLS listeners only).")
        TlsMode mode,
    @Size(max = 64) @Doc("Certificates for Terminate: kubernetes.io/tls Secrets or PEM files.")
        List<SecretObjectRef> certificateRefs,
    @Doc("Implementation-specific options (none are read yet).") Map<String, String> options) {
  public ListenerTls {
    mode = mode == null ? TlsMode.TERMINATE : mode;
    certificateRefs = Copies.list(certificateRefs);
    options = Copies.map(options);
  }
}
