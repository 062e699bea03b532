package io.meshgate.config.validate;

import io.meshgate.config.model.BodyOperation;
import io.meshgate.config.model.BodyOperationType;
import io.meshgate.config.model.HeaderModifier;
import io.meshgate.config.model.HttpHeader;
import io.meshgate.config.model.Template;
import io.meshgate.config.model.TransformPolicySpec;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A TransformPolicy's templates, cacheable methods and body operations. */
final class TransformRules {
  private TransformRules() {}

  static void check(TransformPolicySpec policy, Problems problems) {
    PolicyRules.checkTargets(policy.targetRefs(), false, problems);
    if (policy.headers() == null && policy.cache() == null && policy.body() == null) {
      problems.add("/spec", "a TransformPolicy sets nothing: add headers, cache or body", null);
    }
    if (policy.headers() != null) {
      if (policy.headers().request() == null && policy.headers().response() == null) {
        problems.add("/spec/headers", "needs request or response", null);
      }
      checkHeaders(policy.headers().request(), "/spec/headers/request", problems);
      checkHeaders(policy.headers().response(), "/spec/headers/response", problems);
    }
    if (policy.body() != null) {
      if (policy.body().request().isEmpty() && policy.body().response().isEmpty()) {
        problems.add("/spec/body", "needs request or response operations", null);
      }
      checkOperations(policy.body().request(), "/spec/body/request/", problems);
      checkOperations(policy.body().response(), "/spec/body/response/", problems);
    }
  }

  private static void checkHeaders(HeaderModifier modifier, String at, Problems problems) {
    if (modifier == null) {
      return;
    }
    Map<String, String> seen = new HashMap<>();
    checkValues(modifier.set(), at + "/set/", "set", seen, problems);
    checkValues(modifier.add(), at + "/add/", "add", seen, problems);
    for (int i = 0; i < modifier.remove().size(); i++) {
      String name = modifier.remove().get(i).toLowerCase(Locale.ROOT);
      String first = seen.putIfAbsent(name, "remove/" + i);
      if (first != null) {
        problems.add(
            at + "/remove/" + i,
            "header also set or added (" + first + ")",
            modifier.remove().get(i));
      }
      checkName(name, at + "/remove/" + i, problems);
    }
  }

  private static void checkValues(
      List<HttpHeader> headers,
      String at,
      String list,
      Map<String, String> seen,
      Problems problems) {
    for (int i = 0; i < headers.size(); i++) {
      HttpHeader header = headers.get(i);
      String name = header.name().toLowerCase(Locale.ROOT);
      String first = seen.putIfAbsent(name, list + "/" + i);
      if (first != null && list.equals("set")) {
        problems.add(at + i + "/name", "duplicate header (also " + first + ")", header.name());
      }
      checkName(name, at + i + "/name", problems);
      checkTemplate(header.value(), at + i + "/value", problems);
    }
  }

  /**
   * Pseudo-headers and Host steer routing; content-length and transfer-encoding frame the body.
   * Envoy owns them, and header_mutation would only break the request.
   */
  private static void checkName(String name, String at, Problems problems) {
    if (name.startsWith(":")
        || name.equals("host")
        || name.equals("content-length")
        || name.equals("transfer-encoding")) {
      problems.add(
          at,
          "pseudo-headers, host, content-length and transfer-encoding cannot be transformed",
          name);
    }
  }

  private static void checkTemplate(String value, String at, Problems problems) {
    try {
      Template.parse(value);
    } catch (IllegalArgumentException e) {
      problems.add(at, "not a template: " + e.getMessage(), value);
    }
  }

  private static void checkOperations(List<BodyOperation> ops, String at, Problems problems) {
    for (int i = 0; i < ops.size(); i++) {
      BodyOperation op = ops.get(i);
      String here = at + i;
      if (op.type() == BodyOperationType.MOVE && op.from() == null) {
        problems.add(here + "/from", "is required when type is Move", null);
      }
      if (op.type() != null && op.type() != BodyOperationType.MOVE && op.from() != null) {
        problems.add(here + "/from", "only for type Move", op.from());
      }
      if (op.type() == BodyOperationType.SET && op.value() == null) {
        problems.add(here + "/value", "is required when type is Set", null);
      }
      if (op.type() != null && op.type() != BodyOperationType.SET && op.value() != null) {
        problems.add(here + "/value", "only for type Set", op.value());
      }
      // The schema reports a missing path or type; these rules read only what is there.
      if (op.type() == BodyOperationType.MOVE
          && op.from() != null
          && op.path() != null
          && (op.path().equals(op.from()) || op.path().startsWith(op.from() + "/"))) {
        problems.add(here + "/path", "must not be " + op.from() + " or inside it", op.path());
      }
      if (op.value() != null) {
        try {
          if (Template.parse(op.value()).parts().stream()
              .anyMatch(p -> p instanceof Template.ClientIp)) {
            problems.add(
                here + "/value",
                "${client.ip} is for header values only (the body service does not see the"
                    + " client's address)",
                op.value());
          }
        } catch (IllegalArgumentException e) {
          problems.add(here + "/value", "not a template: " + e.getMessage(), op.value());
        }
      }
    }
  }
}
