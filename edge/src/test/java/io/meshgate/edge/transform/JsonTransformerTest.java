package io.meshgate.edge.transform;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.model.Template;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTransformerTest {
  private static final String JSON = "application/json";
  private static final RequestData REQUEST =
      new RequestData(
          Map.of("x-channel", "web"), "/orders?x=1", "POST", Map.of("sub", "alice", "tier", "2"));

  private final JsonTransformer transformer = new JsonTransformer();

  @Test
  void moveRenamesAndNestsRemoveDropsAndSetFillsTemplatesInOrder() {
    // given
    List<Operation> ops =
        List.of(
            new Operation.Move(
                Operation.pointer("/customerName"), Operation.pointer("/customer/name")),
            new Operation.Remove(Operation.pointer("/debug")),
            new Operation.Set(
                Operation.pointer("/customer/id"),
                new Template(List.of(new Template.Claim("sub")))),
            new Operation.Set(
                Operation.pointer("/source"),
                new Template(
                    List.of(
                        new Template.Literal("gw "),
                        new Template.RequestHeader("x-channel"),
                        new Template.Literal(" "),
                        new Template.RequestMethod(),
                        new Template.Literal(" "),
                        new Template.RequestPath()))));

    // when
    JsonTransformer.Result result =
        transformer.transform(
            bytes("{\"customerName\":\"Ann\",\"debug\":true,\"items\":[1,2]}"),
            JSON,
            ops,
            1024,
            REQUEST);

    // then
    assertThat(result).isInstanceOf(JsonTransformer.Transformed.class);
    JsonTransformer.Transformed transformed = (JsonTransformer.Transformed) result;
    assertThat(text(transformed.body()))
        .isEqualTo(
            "{\"items\":[1,2],\"customer\":{\"name\":\"Ann\",\"id\":\"alice\"},"
                + "\"source\":\"gw web POST /orders?x=1\"}");
    assertThat(transformed.skipped()).isEmpty();
  }

  @Test
  void operationsOnAMissingFieldChangeNothingAndAreListedAsSkipped() {
    // given
    List<Operation> ops =
        List.of(
            new Operation.Move(Operation.pointer("/absent"), Operation.pointer("/b")),
            new Operation.Remove(Operation.pointer("/also/absent")),
            new Operation.Set(
                Operation.pointer("/n/deeper"), new Template(List.of(new Template.Literal("x")))),
            new Operation.Set(
                Operation.pointer("/list/5"), new Template(List.of(new Template.Literal("x")))));

    // when
    JsonTransformer.Result result =
        transformer.transform(bytes("{\"n\":1,\"list\":[0]}"), JSON, ops, 1024, REQUEST);

    // then
    JsonTransformer.Transformed transformed = (JsonTransformer.Transformed) result;
    assertThat(text(transformed.body())).isEqualTo("{\"n\":1,\"list\":[0]}");
    assertThat(transformed.skipped())
        .containsExactly(
            "Move /absent: absent",
            "Remove /also/absent: absent",
            "Set /n/deeper: no object or array to hold it",
            "Set /list/5: no object or array to hold it");
  }

  @Test
  void arraysTakeIndexesAndTheDashAppends() {
    List<Operation> ops =
        List.of(
            new Operation.Remove(Operation.pointer("/a/0")),
            new Operation.Set(
                Operation.pointer("/a/-"), new Template(List.of(new Template.Literal("z")))),
            new Operation.Move(Operation.pointer("/a/0"), Operation.pointer("/first")));

    JsonTransformer.Result result =
        transformer.transform(bytes("{\"a\":[\"x\",\"y\"]}"), JSON, ops, 1024, REQUEST);

    assertThat(text(((JsonTransformer.Transformed) result).body()))
        .isEqualTo("{\"a\":[\"z\"],\"first\":\"y\"}");
  }

  @Test
  void anAbsentHeaderOrClaimFillsInAsEmptyText() {
    Template template =
        new Template(
            List.of(
                new Template.RequestHeader("x-none"),
                new Template.Literal("|"),
                new Template.Claim("x")));

    assertThat(TemplateFill.fill(template, RequestData.NONE)).isEqualTo("|");
  }

  @Test
  void bodiesThatAreNotDeclaredJsonOrEmptyPassThrough() {
    List<Operation> ops = List.of(new Operation.Remove(Operation.pointer("/a")));

    assertThat(transformer.transform(bytes("{\"a\":1}"), "text/plain", ops, 1024, REQUEST))
        .isInstanceOf(JsonTransformer.PassedThrough.class);
    assertThat(transformer.transform(bytes("{\"a\":1}"), null, ops, 1024, REQUEST))
        .isInstanceOf(JsonTransformer.PassedThrough.class);
    assertThat(transformer.transform(new byte[0], JSON, ops, 1024, REQUEST))
        .isInstanceOf(JsonTransformer.PassedThrough.class);
    assertThat(JsonTransformer.isJson("application/problem+json; charset=utf-8")).isTrue();
  }

  @Test
  void oversizedDeepAndMalformedJsonBodiesAreRefusedWithoutTheirContent() {
    List<Operation> ops = List.of(new Operation.Remove(Operation.pointer("/a")));
    String deep =
        "[".repeat(JsonTransformer.MAX_DEPTH + 1) + "]".repeat(JsonTransformer.MAX_DEPTH + 1);

    assertThat(transformer.transform(bytes("{\"a\":\"secret\"}"), JSON, ops, 5, REQUEST))
        .isEqualTo(
            new JsonTransformer.Refused(
                JsonTransformer.Refusal.TOO_LARGE, "body: 14 bytes (expected: at most 5)"));
    assertThat(transformer.transform(bytes(deep), JSON, ops, 1024, REQUEST))
        .extracting(r -> ((JsonTransformer.Refused) r).refusal())
        .isEqualTo(JsonTransformer.Refusal.TOO_DEEP);
    assertThat(transformer.transform(bytes("{\"a\": secret"), JSON, ops, 1024, REQUEST))
        .isEqualTo(
            new JsonTransformer.Refused(JsonTransformer.Refusal.NOT_JSON, "body: not valid JSON"));
  }

  @Test
  void aDocumentAtTheDepthBoundIsTransformed() {
    String deep = "[".repeat(JsonTransformer.MAX_DEPTH) + "]".repeat(JsonTransformer.MAX_DEPTH);

    assertThat(transformer.transform(bytes(deep), JSON, List.of(), 1024, REQUEST))
        .isInstanceOf(JsonTransformer.Transformed.class);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
