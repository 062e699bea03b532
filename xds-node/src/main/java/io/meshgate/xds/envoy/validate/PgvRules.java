package io.meshgate.xds.envoy.validate;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.meshgate.xds.envoy.EnvoyTypes;
import java.util.List;

/**
 * Checks an Envoy message against the protoc-gen-validate (PGV) rules its API protos carry — the
 * legacy {@code validate.rules} field options, {@code validate.required} oneof options and {@code
 * validate.disabled}/{@code validate.ignored} message options — as Envoy does when it accepts a
 * config. Envoy cannot run in every test, and java-control-plane ships the rules but no validators,
 * so this reads the rules from the descriptors and applies PGV's semantics itself.
 *
 * <p>Semantics, as PGV defines them: a scalar's rules apply even at its default value ({@code
 * uint32 {gt: 0}} fails on 0) unless {@code ignore_empty} is set or the field has presence (a oneof
 * member, a proto3 {@code optional}) and is unset; a message field's rules apply when it is set
 * (plus {@code required}), and a set message field, each list item and each map value is checked in
 * turn unless {@code message.skip}; wrapper types ({@code google.protobuf.UInt32Value} and the
 * rest) take the rules of their kind on the wrapped value when set; a bound pair with the lower
 * bound below the upper is a range the value must be inside, the other way round a range it must be
 * outside. Beyond PGV, as Envoy does: an {@code Any} is opened with {@link EnvoyTypes#REGISTRY} and
 * its content checked under the Any's path; a type the registry does not know is not a violation
 * but listed in {@link PgvReport#uncheckedTypes()}.
 *
 * <p>Implemented: message {@code required}, {@code skip}; oneof {@code required}; every numeric
 * kind ({@code const}, {@code lt}, {@code lte}, {@code gt}, {@code gte}, {@code in}, {@code
 * not_in}, {@code ignore_empty}); {@code bool.const}; string {@code const}, {@code len}, {@code
 * min_len}, {@code max_len}, {@code len_bytes}, {@code min_bytes}, {@code max_bytes}, {@code
 * pattern} (RE2, with re2j, matched anywhere as PGV does), {@code prefix}, {@code suffix}, {@code
 * contains}, {@code not_contains}, {@code in}, {@code not_in}, {@code well_known_regex} (HTTP
 * header name and value, {@code strict} or not); bytes {@code const}, {@code len}, {@code min_len},
 * {@code max_len}, {@code prefix}, {@code suffix}, {@code contains}, {@code in}, {@code not_in};
 * enum {@code const}, {@code defined_only}, {@code in}, {@code not_in}; repeated {@code min_items},
 * {@code max_items}, {@code unique}, {@code items}; map {@code min_pairs}, {@code max_pairs},
 * {@code keys}, {@code values} ({@code no_sparse} cannot fail in Java: a map value is never null);
 * any {@code required}, {@code in}, {@code not_in}; duration and timestamp {@code required}, {@code
 * const}, {@code lt}, {@code lte}, {@code gt}, {@code gte}, {@code in}, {@code not_in}.
 *
 * <p>Not implemented, because no Envoy v3 message uses them (api 1.0.49): the string well-knowns
 * other than {@code well_known_regex} ({@code email}, {@code hostname}, {@code ip}, {@code ipv4},
 * {@code ipv6}, {@code uri}, {@code uri_ref}, {@code address}, {@code uuid}), bytes {@code
 * pattern}, {@code ip}, {@code ipv4}, {@code ipv6}; and timestamp {@code lt_now}, {@code gt_now},
 * {@code within}, which need a clock. Each is reported as a violation ("not checked") wherever it
 * is met, so a new use cannot pass unseen.
 *
 * <p>Two findings are not PGV rules but would make Envoy reject the config all the same: {@code
 * any.value} (an Any whose bytes do not parse as its type) and {@code depth} (nesting deeper than
 * 100 messages, reported once and not followed).
 *
 * <p>Cost: the rules of a message type are read from its descriptor once per process and cached
 * (keyed by descriptor, see {@code MessagePlan}); a check is then one reflective walk over the set
 * fields, linear in the size of the message, plus one parse per Any. Pure: no I/O, no clock; the
 * same message gives the same violations in the same order (fields in number order, a required
 * oneof before its first field, map entries by key). Thread-safe.
 */
public final class PgvRules {
  private PgvRules() {}

  /** The broken rules of {@code message} and everything in it, in walk order; empty if valid. */
  public static List<PgvViolation> check(Message message) {
    return report(message).violations();
  }

  /** The broken rules, plus the Any types whose content could not be checked. */
  public static PgvReport report(Message message) {
    Walk walk = new Walk(EnvoyTypes.REGISTRY);
    walk.message(Walk.Path.ROOT, message, 0, false);
    return walk.report();
  }

  /**
   * The broken rules of a resource as the ADS stream sends it: opened with {@link
   * EnvoyTypes#REGISTRY}; a type the registry does not know, or bytes that do not parse as it, are
   * one violation each ({@code any.type}, {@code any.value}), since Envoy would not take them.
   */
  public static List<PgvViolation> checkPacked(Any packed) {
    String typeUrl = packed.getTypeUrl();
    Descriptor type = EnvoyTypes.REGISTRY.find(typeUrl.substring(typeUrl.lastIndexOf('/') + 1));
    if (type == null) {
      return List.of(
          new PgvViolation("", "any.type", typeUrl + " is no Envoy type meshgate knows"));
    }
    try {
      return check(DynamicMessage.parseFrom(type, packed.getValue()));
    } catch (InvalidProtocolBufferException e) {
      return List.of(
          new PgvViolation(
              "", "any.value", "does not parse as " + type.getFullName() + ": " + e.getMessage()));
    }
  }
}
