package io.meshgate.config.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TemplateTest {
  @Test
  void referencesAndLiteralTextAreSplitInOrder() {
    // when
    Template template = Template.parse("u=${claim.sub};ip=${client.ip} ${request.header.X-Foo}%");

    // then
    assertThat(template.parts())
        .containsExactly(
            new Template.Literal("u="),
            new Template.Claim("sub"),
            new Template.Literal(";ip="),
            new Template.ClientIp(),
            new Template.Literal(" "),
            new Template.RequestHeader("x-foo"),
            new Template.Literal("%"));
    assertThat(template.usesClaims()).isTrue();
    assertThat(template.literal()).isFalse();
  }

  @Test
  void aDoubledDollarIsALiteralReferenceAndALoneDollarIsText() {
    assertThat(Template.parse("$${claim.sub} costs $5").parts())
        .containsExactly(new Template.Literal("${claim.sub} costs $5"));
  }

  @Test
  void pathAndMethodAreReferences() {
    assertThat(Template.parse("${request.method} ${request.path}").parts())
        .isEqualTo(
            List.of(
                new Template.RequestMethod(),
                new Template.Literal(" "),
                new Template.RequestPath()));
  }

  @Test
  void unknownUnclosedAndMalformedReferencesAreRefusedWithTheReason() {
    assertThatThrownBy(() -> Template.parse("a${request.path"))
        .hasMessage("'${' at 1 is not closed with '}'");
    assertThatThrownBy(() -> Template.parse("${env.HOME}"))
        .hasMessageStartingWith("${env.HOME} is not a reference");
    assertThatThrownBy(() -> Template.parse("${claim.a.b}"))
        .hasMessageContaining("a top-level claim");
    assertThatThrownBy(() -> Template.parse("${request.header.a b}"))
        .hasMessage("${request.header.a b}: 'a b' is not a header name");
    assertThatThrownBy(() -> Template.parse("ab\ncd")).hasMessage("has a line break or NUL at 2");
  }
}
