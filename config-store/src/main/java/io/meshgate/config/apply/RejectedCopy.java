package io.meshgate.config.apply;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Mappers;
import io.meshgate.config.event.Headers;
import io.meshgate.config.validate.PlaintextSecrets;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The value a refused record is copied to the rejected topic with: as it came, less any plaintext
 * private value a Secret in it carries (a user who applied an unsealed Secret must not have the key
 * copied on). A value that cannot be read and names a Secret is dropped whole. Pure.
 *
 * @param value the value to copy
 * @param removed JSON pointers of what was removed ({@code ""}: the whole value), for a header
 */
record RejectedCopy(byte[] value, List<String> removed) {
  RejectedCopy {
    removed = List.copyOf(removed);
  }

  static RejectedCopy of(IncomingRecord record) {
    byte[] value = record.value() == null ? new byte[0] : record.value();
    JsonNode tree;
    try {
      tree = Mappers.json().readTree(value);
    } catch (IOException e) {
      tree = null;
    }
    if (tree == null || !tree.isObject()) {
      String subject = record.headers().getOrDefault(Headers.SUBJECT, "");
      return subject.startsWith("Secret/") && value.length > 0
          ? new RejectedCopy(new byte[0], List.of(""))
          : new RejectedCopy(value, List.of());
    }
    List<String> removed = new ArrayList<>();
    if (tree.has("resources") && tree.path("resources").isArray()) {
      // a changeset
      for (int i = 0; i < tree.path("resources").size(); i++) {
        for (String path : PlaintextSecrets.strip(tree.path("resources").get(i))) {
          removed.add("/resources/" + i + path);
        }
      }
    } else {
      removed.addAll(PlaintextSecrets.strip(tree));
    }
    if (removed.isEmpty()) {
      return new RejectedCopy(value, List.of());
    }
    try {
      return new RejectedCopy(Mappers.json().writeValueAsBytes(tree), removed);
    } catch (IOException e) {
      return new RejectedCopy(new byte[0], List.of(""));
    }
  }
}
