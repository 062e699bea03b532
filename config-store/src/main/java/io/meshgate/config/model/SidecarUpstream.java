package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Default;
import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;

/** A Backend the application reaches at localBindAddress:localBindPort. */
@Doc("A Backend the application reaches at localBindAddress:localBindPort.")
public record SidecarUpstream(
    @Required @Pattern(value = Patterns.NAME, maxLength = 253) String backend,
    @Pattern(value = Patterns.LABEL, maxLength = 63) String namespace,
    @Required @Range(min = 1, max = 65535) Integer localBindPort,
    @Size(min = 1, max = 253) @Default("127.0.0.1") String localBindAddress) {
  public SidecarUpstream {
    requireNonNull(backend, "backend");
    requireNonNull(localBindPort, "localBindPort");
    localBindAddress = localBindAddress == null ? "127.0.0.1" : localBindAddress;
  }
}
