package io.meshgate.config.model;

import static java.util.Objects.requireNonNull;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Range;
import io.meshgate.config.model.Constraint.Required;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** An HTTP health check request and the statuses that count as healthy. */
@Doc("An HTTP health check request and the statuses that count as healthy.")
public record HttpHealthCheck(
    @Required @Size(min = 1, max = 1024) @Pattern(Patterns.PATH) String path,
    @Pattern(value = Patterns.PRECISE_HOSTNAME, maxLength = 253) String host,
    @Size(max = 16) @Range(min = 100, max = 599) @Doc("Default: 200.")
        List<Integer> expectedStatuses) {
  public HttpHealthCheck {
    requireNonNull(path, "path");
    expectedStatuses = Copies.list(expectedStatuses);
  }
}
