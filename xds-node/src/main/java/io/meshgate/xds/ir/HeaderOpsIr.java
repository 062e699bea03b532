package io.meshgate.xds.ir;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/** Headers to set (replace), add (append) and remove. */
public record HeaderOpsIr(List<HeaderValueIr> set, List<HeaderValueIr> add, List<String> remove) {
  public static final HeaderOpsIr NONE = new HeaderOpsIr(List.of(), List.of(), List.of());

  public HeaderOpsIr {
    set = Lists.copy(set);
    add = Lists.copy(add);
    remove = Lists.copy(remove);
  }

  @JsonIgnore
  public boolean isEmpty() {
    return set.isEmpty() && add.isEmpty() && remove.isEmpty();
  }
}
