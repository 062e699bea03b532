package io.meshgate.config.validate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshgate.config.codec.Mappers;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResourceSizeTest {
  @Test
  void aResourceOver512KiBIsRejectedWithItsSize() {
    // given: a Backend whose annotations make it about 600 KiB
    ObjectNode document = backend();
    document.with("metadata").with("annotations").put("example.com/blob", "x".repeat(600 * 1024));

    // when
    Validation validation = ResourceValidator.get().validate(document);

    // then
    assertThat(validation).isInstanceOf(Validation.Invalid.class);
    Validation.Invalid invalid = (Validation.Invalid) validation;
    assertThat(invalid.subject()).isEqualTo("Backend/default/big");
    assertThat(invalid.violations())
        .singleElement()
        .satisfies(
            v ->
                assertThat(v.message())
                    .isEqualTo("resource is 600 KiB as JSON (expected at most 512 KiB)"));
  }

  @Test
  void aResourceJustUnderTheLimitIsAccepted() {
    ObjectNode document = backend();
    document.with("metadata").with("annotations").put("example.com/blob", "x".repeat(500 * 1024));

    assertThat(ResourceValidator.get().validate(document)).isInstanceOf(Validation.Valid.class);
  }

  @Test
  void malformedJsonBytesAreAViolationNotAnException() {
    Validation validation =
        ResourceValidator.get()
            .validate("{\"kind\": \"Backend\",".getBytes(StandardCharsets.UTF_8));

    assertThat(validation).isInstanceOf(Validation.Invalid.class);
    assertThat(((Validation.Invalid) validation).violations().get(0).message())
        .startsWith("not valid JSON:");
  }

  private static ObjectNode backend() {
    ObjectNode document = Mappers.json().createObjectNode();
    document.put("apiVersion", "meshgate.io/v1alpha1").put("kind", "Backend");
    document.putObject("metadata").put("name", "big");
    document.putObject("spec").putObject("dns").put("hostname", "api.example.com").put("port", 443);
    return document;
  }
}
