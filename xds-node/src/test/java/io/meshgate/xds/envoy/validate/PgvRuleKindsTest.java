package io.meshgate.xds.envoy.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FieldOptions;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.pgv.validate.Validate;
import io.envoyproxy.pgv.validate.Validate.AnyRules;
import io.envoyproxy.pgv.validate.Validate.BoolRules;
import io.envoyproxy.pgv.validate.Validate.BytesRules;
import io.envoyproxy.pgv.validate.Validate.DoubleRules;
import io.envoyproxy.pgv.validate.Validate.EnumRules;
import io.envoyproxy.pgv.validate.Validate.FieldRules;
import io.envoyproxy.pgv.validate.Validate.Int64Rules;
import io.envoyproxy.pgv.validate.Validate.KnownRegex;
import io.envoyproxy.pgv.validate.Validate.MapRules;
import io.envoyproxy.pgv.validate.Validate.MessageRules;
import io.envoyproxy.pgv.validate.Validate.RepeatedRules;
import io.envoyproxy.pgv.validate.Validate.SInt32Rules;
import io.envoyproxy.pgv.validate.Validate.StringRules;
import io.envoyproxy.pgv.validate.Validate.TimestampRules;
import io.envoyproxy.pgv.validate.Validate.UInt32Rules;
import io.envoyproxy.pgv.validate.Validate.UInt64Rules;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Each rule kind in isolation, on a one-field message built from a descriptor made in the test
 * (Envoy's protos use only some of PGV's rules, and some only in corners): the semantics of PGV as
 * its documentation states them, including the ones Envoy relies on without our goldens showing
 * them (exclusive ranges, strict header names).
 */
class PgvRuleKindsTest {
  private static final AtomicInteger FILES = new AtomicInteger();

  @Test
  void anUpperBoundBelowTheLowerIsARangeTheValueMustBeOutside() {
    Descriptor type =
        scalar(
            Type.TYPE_UINT32,
            rules(r -> r.setUint32(UInt32Rules.newBuilder().setLt(10).setGt(20))));

    assertThat(check(type, 5)).isEmpty();
    assertThat(check(type, 25)).isEmpty();
    assertThat(check(type, 15))
        .containsExactly(new PgvViolation("f", "uint32.range", "15 (expected: < 10 or > 20)"));
    assertThat(check(type, 10)).extracting(PgvViolation::rule).containsExactly("uint32.range");
    assertThat(check(type, 20)).extracting(PgvViolation::rule).containsExactly("uint32.range");
  }

  @Test
  void aLowerBoundBelowTheUpperIsARangeTheValueMustBeInside() {
    Descriptor type =
        scalar(
            Type.TYPE_INT64, rules(r -> r.setInt64(Int64Rules.newBuilder().setGte(-5).setLte(5))));

    assertThat(check(type, -5L)).isEmpty();
    assertThat(check(type, 5L)).isEmpty();
    assertThat(check(type, -6L))
        .containsExactly(new PgvViolation("f", "int64.gte", "-6 (expected: >= -5 and <= 5)"));
    assertThat(check(type, 6L)).extracting(PgvViolation::rule).containsExactly("int64.lte");
  }

  @Test
  void aScalarIsCheckedAtItsDefaultUnlessIgnoreEmpty() {
    Descriptor checked =
        scalar(Type.TYPE_UINT32, rules(r -> r.setUint32(UInt32Rules.newBuilder().setGt(0))));
    Descriptor ignored =
        scalar(
            Type.TYPE_UINT32,
            rules(r -> r.setUint32(UInt32Rules.newBuilder().setGt(0).setIgnoreEmpty(true))));

    assertThat(PgvRules.check(DynamicMessage.getDefaultInstance(checked)))
        .containsExactly(new PgvViolation("f", "uint32.gt", "0 (expected: > 0)"));
    assertThat(PgvRules.check(DynamicMessage.getDefaultInstance(ignored))).isEmpty();
  }

  @Test
  void unsignedValuesCompareAndShowAsUnsigned() {
    Descriptor type =
        scalar(Type.TYPE_UINT64, rules(r -> r.setUint64(UInt64Rules.newBuilder().setLt(10))));

    assertThat(check(type, -1L))
        .containsExactly(
            new PgvViolation("f", "uint64.lt", "18446744073709551615 (expected: < 10)"));
  }

  @Test
  void numericConstInAndNotIn() {
    Descriptor in =
        scalar(
            Type.TYPE_SINT32, rules(r -> r.setSint32(SInt32Rules.newBuilder().addIn(1).addIn(2))));
    Descriptor notIn =
        scalar(Type.TYPE_SINT32, rules(r -> r.setSint32(SInt32Rules.newBuilder().addNotIn(3))));
    Descriptor constant =
        scalar(Type.TYPE_SINT32, rules(r -> r.setSint32(SInt32Rules.newBuilder().setConst(7))));

    assertThat(check(in, 2)).isEmpty();
    assertThat(check(in, 3))
        .containsExactly(new PgvViolation("f", "sint32.in", "3 (expected: one of [1, 2])"));
    assertThat(check(notIn, 3))
        .containsExactly(new PgvViolation("f", "sint32.not_in", "3 (expected: none of [3])"));
    assertThat(check(constant, 8))
        .containsExactly(new PgvViolation("f", "sint32.const", "8 (expected: 7)"));
  }

  @Test
  void aNanSatisfiesNoBound() {
    Descriptor type =
        scalar(Type.TYPE_DOUBLE, rules(r -> r.setDouble(DoubleRules.newBuilder().setGt(0))));

    assertThat(check(type, Double.NaN))
        .containsExactly(new PgvViolation("f", "double.gt", "NaN (expected: > 0.0)"));
  }

  @Test
  void stringLengthsCountCharactersAndBytesApart() {
    // "héllo": 5 characters, 6 UTF-8 bytes
    Descriptor type =
        scalar(
            Type.TYPE_STRING,
            rules(
                r ->
                    r.setString(StringRules.newBuilder().setLen(5).setLenBytes(6).setMaxBytes(5))));

    assertThat(check(type, "héllo"))
        .containsExactly(
            new PgvViolation(
                "f", "string.max_bytes", "\"héllo\" has 6 bytes (expected: at most 5)"));
    assertThat(check(type, "hello"))
        .extracting(PgvViolation::rule)
        .containsExactly("string.len_bytes");
  }

  @Test
  void stringContentRules() {
    Descriptor type =
        scalar(
            Type.TYPE_STRING,
            rules(
                r ->
                    r.setString(
                        StringRules.newBuilder()
                            .setPrefix("envoy.")
                            .setSuffix(".v3")
                            .setContains("filters")
                            .setNotContains("..")
                            .addNotIn("envoy.filters..v3"))));

    assertThat(check(type, "envoy.filters.http.v3")).isEmpty();
    assertThat(check(type, "x..v2"))
        .extracting(PgvViolation::rule)
        .containsExactly(
            "string.prefix", "string.suffix", "string.contains", "string.not_contains");
    assertThat(check(type, "envoy.filters..v3"))
        .extracting(PgvViolation::rule)
        .containsExactly("string.not_contains", "string.not_in");
  }

  @Test
  void stringConstInAndIgnoreEmpty() {
    Descriptor type =
        scalar(
            Type.TYPE_STRING,
            rules(
                r ->
                    r.setString(
                        StringRules.newBuilder()
                            .addIn("a")
                            .addIn("b")
                            .setMinLen(1)
                            .setIgnoreEmpty(true))));
    Descriptor constant =
        scalar(Type.TYPE_STRING, rules(r -> r.setString(StringRules.newBuilder().setConst("x"))));

    assertThat(check(type, "")).isEmpty();
    assertThat(check(type, "c"))
        .containsExactly(
            new PgvViolation("f", "string.in", "\"c\" (expected: one of [\"a\", \"b\"])"));
    assertThat(check(constant, "y"))
        .containsExactly(new PgvViolation("f", "string.const", "\"y\" (expected: \"x\")"));
  }

  @Test
  void strictHeaderNamesAreTokensAndStrictValuesHaveNoControlCharacters() {
    Descriptor name =
        scalar(
            Type.TYPE_STRING,
            rules(
                r ->
                    r.setString(
                        StringRules.newBuilder().setWellKnownRegex(KnownRegex.HTTP_HEADER_NAME))));
    Descriptor value =
        scalar(
            Type.TYPE_STRING,
            rules(
                r ->
                    r.setString(
                        StringRules.newBuilder().setWellKnownRegex(KnownRegex.HTTP_HEADER_VALUE))));

    assertThat(check(name, ":authority")).isEmpty();
    assertThat(check(name, "x-request-id")).isEmpty();
    assertThat(check(name, "x request"))
        .extracting(PgvViolation::rule)
        .containsExactly("string.well_known_regex");
    assertThat(check(name, ":")).hasSize(1);
    assertThat(check(name, "")).hasSize(1);
    assertThat(check(value, "a\tb c")).isEmpty();
    assertThat(check(value, "a\u0001"))
        .containsExactly(
            new PgvViolation(
                "f",
                "string.well_known_regex",
                "\"a\\x01\" (expected: an HTTP header value without control characters other than"
                    + " tab)"));
  }

  @Test
  void unimplementedRulesAreReportedNotPassed() {
    Descriptor hostname =
        scalar(
            Type.TYPE_STRING, rules(r -> r.setString(StringRules.newBuilder().setHostname(true))));
    Descriptor ltNow =
        message(
            ".google.protobuf.Timestamp",
            rules(r -> r.setTimestamp(TimestampRules.newBuilder().setLtNow(true))));

    assertThat(check(hostname, "example.com"))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.rule()).isEqualTo("string.hostname");
              assertThat(v.message()).startsWith("not checked:");
            });
    assertThat(check(ltNow, Timestamp.newBuilder().setSeconds(1).build()))
        .extracting(PgvViolation::rule)
        .containsExactly("timestamp.lt_now");
  }

  @Test
  void bytesRulesShowOnlyTheLength() {
    Descriptor type =
        scalar(
            Type.TYPE_BYTES,
            rules(
                r ->
                    r.setBytes(
                        BytesRules.newBuilder()
                            .setMinLen(2)
                            .setMaxLen(4)
                            .setPrefix(ByteString.copyFromUtf8("k"))
                            .setContains(ByteString.copyFromUtf8("ey")))));

    assertThat(check(type, ByteString.copyFromUtf8("key"))).isEmpty();
    assertThat(check(type, ByteString.copyFromUtf8("secret")))
        .extracting(PgvViolation::rule, PgvViolation::message)
        .containsExactly(
            tuple("bytes.max_len", "6 bytes (expected: at most 4)"),
            tuple("bytes.prefix", "6 bytes (expected: to start with the rule's prefix)"),
            tuple("bytes.contains", "6 bytes (expected: to contain the rule's bytes)"));
  }

  @Test
  void boolConst() {
    Descriptor type =
        scalar(Type.TYPE_BOOL, rules(r -> r.setBool(BoolRules.newBuilder().setConst(true))));

    assertThat(check(type, true)).isEmpty();
    assertThat(check(type, false))
        .containsExactly(new PgvViolation("f", "bool.const", "false (expected: true)"));
  }

  @Test
  void enumConstInAndNotInNameTheValues() {
    Descriptor in = enumField(rules(r -> r.setEnum(EnumRules.newBuilder().addIn(1))));
    Descriptor notIn = enumField(rules(r -> r.setEnum(EnumRules.newBuilder().addNotIn(2))));
    Descriptor constant = enumField(rules(r -> r.setEnum(EnumRules.newBuilder().setConst(1))));

    assertThat(check(in, enumValue(in, 1))).isEmpty();
    assertThat(check(in, enumValue(in, 2)))
        .containsExactly(new PgvViolation("f", "enum.in", "E2 (expected: one of [E1])"));
    assertThat(check(notIn, enumValue(notIn, 2)))
        .containsExactly(new PgvViolation("f", "enum.not_in", "E2 (expected: none of [E2])"));
    assertThat(check(constant, enumValue(constant, 0)))
        .containsExactly(new PgvViolation("f", "enum.const", "E0 (expected: E1)"));
  }

  @Test
  void repeatedUniqueMaxItemsAndIgnoreEmpty() {
    Descriptor type =
        repeated(
            Type.TYPE_STRING,
            rules(
                r ->
                    r.setRepeated(
                        RepeatedRules.newBuilder()
                            .setMinItems(1)
                            .setMaxItems(2)
                            .setUnique(true)
                            .setIgnoreEmpty(true))));

    assertThat(check(type, List.of())).isEmpty();
    assertThat(check(type, List.of("a", "b", "a")))
        .extracting(PgvViolation::path, PgvViolation::rule)
        .containsExactly(tuple("f", "repeated.max_items"), tuple("f[2]", "repeated.unique"));
  }

  @Test
  void mapPairsAndValueRulesVisitEntriesByKey() {
    Descriptor type =
        map(
            rules(
                r ->
                    r.setMap(
                        MapRules.newBuilder()
                            .setMaxPairs(1)
                            .setValues(
                                FieldRules.newBuilder()
                                    .setString(StringRules.newBuilder().setMinLen(1))))));
    FieldDescriptor field = type.findFieldByName("f");
    Descriptor entry = field.getMessageType();
    DynamicMessage.Builder message = DynamicMessage.newBuilder(type);
    for (String key : List.of("z", "a")) {
      message.addRepeatedField(
          field,
          DynamicMessage.newBuilder(entry)
              .setField(entry.findFieldByNumber(1), key)
              .setField(entry.findFieldByNumber(2), "")
              .build());
    }

    assertThat(PgvRules.check(message.build()))
        .extracting(PgvViolation::path, PgvViolation::rule)
        .containsExactly(
            tuple("f", "map.max_pairs"),
            tuple("f[\"a\"]", "string.min_len"),
            tuple("f[\"z\"]", "string.min_len"));
  }

  @Test
  void anyRequiredInAndNotIn() {
    String cluster = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    Descriptor type =
        message(
            ".google.protobuf.Any",
            rules(r -> r.setAny(AnyRules.newBuilder().setRequired(true).addIn(cluster))));
    Descriptor notIn =
        message(
            ".google.protobuf.Any", rules(r -> r.setAny(AnyRules.newBuilder().addNotIn(cluster))));
    Any any = Any.pack(Cluster.newBuilder().setName("c").build());

    assertThat(PgvRules.check(DynamicMessage.getDefaultInstance(type)))
        .containsExactly(new PgvViolation("f", "any.required", "not set (expected: set)"));
    assertThat(check(type, any)).isEmpty();
    assertThat(check(notIn, any)).extracting(PgvViolation::rule).containsExactly("any.not_in");
  }

  @Test
  void timestampBoundsAndConst() {
    Descriptor type =
        message(
            ".google.protobuf.Timestamp",
            rules(
                r ->
                    r.setTimestamp(
                        TimestampRules.newBuilder()
                            .setGt(Timestamp.newBuilder().setSeconds(1_000_000_000)))));

    assertThat(check(type, Timestamp.newBuilder().setSeconds(2_000_000_000).build())).isEmpty();
    assertThat(check(type, Timestamp.newBuilder().setSeconds(0).build()))
        .containsExactly(
            new PgvViolation(
                "f", "timestamp.gt", "1970-01-01T00:00:00Z (expected: > 2001-09-09T01:46:40Z)"));
  }

  @Test
  void messageSkipStopsTheWalkAndADisabledMessageIsNotChecked() {
    // given a field holding a google.protobuf.UInt32Value-carrying message with a broken rule
    Descriptor inner =
        scalar(Type.TYPE_UINT32, rules(r -> r.setUint32(UInt32Rules.newBuilder().setGt(0))));
    Descriptor skipping =
        message(
            "." + inner.getFullName(),
            rules(r -> r.setMessage(MessageRules.newBuilder().setSkip(true))),
            inner.getFile());
    Descriptor following =
        message("." + inner.getFullName(), FieldRules.getDefaultInstance(), inner.getFile());
    Descriptor disabled =
        build(
            DescriptorProto.newBuilder()
                .setName("M")
                .setOptions(MessageOptions.newBuilder().setExtension(Validate.disabled, true))
                .addField(
                    field(
                        Type.TYPE_UINT32,
                        rules(r -> r.setUint32(UInt32Rules.newBuilder().setGt(0))))));
    DynamicMessage broken = DynamicMessage.getDefaultInstance(inner);

    assertThat(check(following, broken)).extracting(PgvViolation::path).containsExactly("f.f");
    assertThat(check(skipping, broken)).isEmpty();
    assertThat(PgvRules.check(DynamicMessage.getDefaultInstance(disabled))).isEmpty();
  }

  @Test
  void rulesThatArriveAsUnknownOptionFieldsAreStillRead() throws Exception {
    // given options parsed without Validate's extensions: the rules are unknown fields
    FieldOptions withRules =
        FieldOptions.newBuilder()
            .setExtension(
                Validate.rules, rules(r -> r.setUint32(UInt32Rules.newBuilder().setGt(0))))
            .build();
    FieldOptions unknown = FieldOptions.parseFrom(withRules.toByteString());
    Descriptor type =
        build(
            DescriptorProto.newBuilder()
                .setName("M")
                .addField(
                    FieldDescriptorProto.newBuilder()
                        .setName("f")
                        .setNumber(1)
                        .setType(Type.TYPE_UINT32)
                        .setOptions(unknown)));
    assertThat(type.findFieldByName("f").getOptions().hasExtension(Validate.rules)).isFalse();

    assertThat(PgvRules.check(DynamicMessage.getDefaultInstance(type)))
        .extracting(PgvViolation::rule)
        .containsExactly("uint32.gt");
  }

  @Test
  void wrapperRulesApplyToTheWrappedValue() {
    Descriptor type =
        message(
            ".google.protobuf.UInt32Value",
            rules(r -> r.setUint32(UInt32Rules.newBuilder().setLte(10))));

    assertThat(check(type, UInt32Value.of(10))).isEmpty();
    assertThat(check(type, UInt32Value.of(11)))
        .containsExactly(new PgvViolation("f", "uint32.lte", "11 (expected: <= 10)"));
  }

  // --- one-field messages from descriptors built here ---

  private interface RulesSpec {
    void apply(FieldRules.Builder rules);
  }

  private static FieldRules rules(RulesSpec spec) {
    FieldRules.Builder rules = FieldRules.newBuilder();
    spec.apply(rules);
    return rules.build();
  }

  private static List<PgvViolation> check(Descriptor type, Object value) {
    FieldDescriptor field = type.findFieldByName("f");
    DynamicMessage.Builder message = DynamicMessage.newBuilder(type);
    if (field.isRepeated()) {
      ((List<?>) value).forEach(v -> message.addRepeatedField(field, v));
    } else {
      message.setField(field, value);
    }
    return PgvRules.check(message.build());
  }

  private static FieldDescriptorProto.Builder field(Type type, FieldRules rules) {
    return FieldDescriptorProto.newBuilder()
        .setName("f")
        .setNumber(1)
        .setType(type)
        .setOptions(FieldOptions.newBuilder().setExtension(Validate.rules, rules));
  }

  private static Descriptor scalar(Type type, FieldRules rules) {
    return build(DescriptorProto.newBuilder().setName("M").addField(field(type, rules)));
  }

  private static Descriptor repeated(Type type, FieldRules rules) {
    return build(
        DescriptorProto.newBuilder()
            .setName("M")
            .addField(field(type, rules).setLabel(Label.LABEL_REPEATED)));
  }

  private static Descriptor message(String typeName, FieldRules rules, FileDescriptor... more) {
    return build(
        DescriptorProto.newBuilder()
            .setName("M")
            .addField(field(Type.TYPE_MESSAGE, rules).setTypeName(typeName)),
        more);
  }

  private static Descriptor enumField(FieldRules rules) {
    return build(
        DescriptorProto.newBuilder()
            .setName("M")
            .addField(field(Type.TYPE_ENUM, rules).setTypeName("E"))
            .addEnumType(
                EnumDescriptorProto.newBuilder()
                    .setName("E")
                    .addValue(EnumValueDescriptorProto.newBuilder().setName("E0").setNumber(0))
                    .addValue(EnumValueDescriptorProto.newBuilder().setName("E1").setNumber(1))
                    .addValue(EnumValueDescriptorProto.newBuilder().setName("E2").setNumber(2))));
  }

  private static Object enumValue(Descriptor type, int number) {
    return type.findEnumTypeByName("E").findValueByNumber(number);
  }

  private static Descriptor map(FieldRules rules) {
    return build(
        DescriptorProto.newBuilder()
            .setName("M")
            .addField(
                field(Type.TYPE_MESSAGE, rules)
                    .setLabel(Label.LABEL_REPEATED)
                    .setTypeName("FEntry"))
            .addNestedType(
                DescriptorProto.newBuilder()
                    .setName("FEntry")
                    .setOptions(MessageOptions.newBuilder().setMapEntry(true))
                    .addField(
                        FieldDescriptorProto.newBuilder()
                            .setName("key")
                            .setNumber(1)
                            .setType(Type.TYPE_STRING))
                    .addField(
                        FieldDescriptorProto.newBuilder()
                            .setName("value")
                            .setNumber(2)
                            .setType(Type.TYPE_STRING))));
  }

  /** A file of its own per message (each test's M is a new type, so nothing is cached across). */
  private static Descriptor build(DescriptorProto.Builder message, FileDescriptor... more) {
    String name = "pgvtest" + FILES.incrementAndGet();
    FileDescriptorProto.Builder file =
        FileDescriptorProto.newBuilder()
            .setName(name + ".proto")
            .setPackage(name)
            .setSyntax("proto3")
            .addMessageType(message);
    List<FileDescriptor> dependencies =
        new ArrayList<>(
            List.of(
                Timestamp.getDescriptor().getFile(),
                Any.getDescriptor().getFile(),
                UInt32Value.getDescriptor().getFile()));
    dependencies.addAll(List.of(more));
    dependencies.forEach(d -> file.addDependency(d.getName()));
    try {
      return FileDescriptor.buildFrom(file.build(), dependencies.toArray(FileDescriptor[]::new))
          .findMessageTypeByName("M");
    } catch (DescriptorValidationException e) {
      throw new IllegalStateException(e);
    }
  }
}
