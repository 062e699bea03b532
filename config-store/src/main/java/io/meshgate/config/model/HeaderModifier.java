package io.meshgate.config.model;

import io.meshgate.config.model.Constraint.Doc;
import io.meshgate.config.model.Constraint.Pattern;
import io.meshgate.config.model.Constraint.Size;
import java.util.List;

/** Headers to set (replace), add (append) and remove. */
@Doc("Headers to set (replace), add (append) and remove.")
public record HeaderModifier(
    @Size(max = 16) List<HttpHeader> set,
    @Size(max = 16) List<HttpHeader> add,
    @Size(max = 16) @Pattern(value = Patterns.HEADER_NAME, maxLength = 256) List<String> remove) {
  public HeaderModifier {
    set = Copies.list(set);
    add = Copies.list(add);
    remove = Copies.list(remove);
  }
}
