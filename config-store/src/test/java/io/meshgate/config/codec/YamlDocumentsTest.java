package io.meshgate.config.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Streams of YAML documents are read as kubectl reads them: empty documents do not count. */
class YamlDocumentsTest {
  private static List<String> trees(List<Document> documents) {
    return documents.stream()
        .map(d -> d.index() + " " + (d.tree() == null ? d.parseError() : d.tree().toString()))
        .toList();
  }

  @Test
  void aTrailingSeparatorAddsNoDocument() {
    // given
    String yaml =
        """
        kind: Backend
        ---
        """;

    // when
    List<Document> documents = YamlDocuments.read("f.yaml", yaml);

    // then
    assertThat(trees(documents)).containsExactly("0 {\"kind\":\"Backend\"}");
  }

  @Test
  void documentsOfOnlyCommentsOrNothingAreSkippedAndNotCounted() {
    // given: a leading separator, a separator with trailing blanks, a comment-only document,
    // and a separator followed by nothing at the very end
    String yaml =
        "---\n"
            + "kind: Gateway\n"
            + "--- \n"
            + "# nothing here yet\n"
            + "---\n"
            + "kind: HTTPRoute\n"
            + "---   # the end\n"
            + "---";

    // when
    List<Document> documents = YamlDocuments.read("f.yaml", yaml);

    // then
    assertThat(trees(documents))
        .containsExactly("0 {\"kind\":\"Gateway\"}", "1 {\"kind\":\"HTTPRoute\"}");
    assertThat(documents.get(1).location()).isEqualTo("f.yaml#1");
  }

  @Test
  void nullDocumentsAreSkippedAsKubectlSkipsThem() {
    List<Document> documents = YamlDocuments.read("f.yaml", "~\n---\nnull\n---\nkind: Backend\n");

    assertThat(trees(documents)).containsExactly("0 {\"kind\":\"Backend\"}");
  }

  @Test
  void aStreamOfNothingHasNoDocuments() {
    assertThat(YamlDocuments.read("f.yaml", "")).isEmpty();
    assertThat(YamlDocuments.read("f.yaml", "# just a comment\n---\n")).isEmpty();
  }

  @Test
  void documentsThatHoldSomethingOtherThanAMappingAreKeptForTheValidatorToRefuse() {
    // given: an empty quoted string, a list (first, so it cannot be mistaken for a stream of
    // documents), a number and a block scalar that is empty but written
    String yaml =
        """
        - one
        - two
        ---
        ''
        ---
        42
        ---
        kind: Backend
        ---
        |
        """;

    // when
    List<Document> documents = YamlDocuments.read("f.yaml", yaml);

    // then
    assertThat(trees(documents))
        .containsExactly(
            "0 [\"one\",\"two\"]", "1 \"\"", "2 42", "3 {\"kind\":\"Backend\"}", "4 \"\"");
  }

  @Test
  void aSyntaxErrorEndsTheStreamAfterTheEmptyDocumentsBeforeIt() {
    // given
    String yaml =
        """
        ---
        kind: Backend
        ---
        # comment
        ---
        metadata: {name: broken
        """;

    // when
    List<Document> documents = YamlDocuments.read("f.yaml", yaml);

    // then
    assertThat(documents).hasSize(2);
    assertThat(documents.get(1).location()).isEqualTo("f.yaml#1");
    assertThat(documents.get(1).parseError()).startsWith("not valid YAML: line 6, ");
  }
}
