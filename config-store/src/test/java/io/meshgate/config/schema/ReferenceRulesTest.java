package io.meshgate.config.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.testkit.GoldenFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The hand-written "Rules beyond the schema" cannot silently fall behind the validator: it names
 * every rule class, and holds every Java-rule message that the validation golden cases produce.
 */
class ReferenceRulesTest {
  private static final Path RULE_SOURCES = Path.of("src/main/java/io/meshgate/config/validate");
  private static final Path CASES = Path.of("src/test/resources/golden/validate");
  private static final Pattern MARKERS =
      Pattern.compile("<!--(.*?)-->|^#+ (.*)$", Pattern.DOTALL | Pattern.MULTILINE);
  private static final String RULE_LINE = "  [rule] ";

  private static final String RULES = ReferenceDoc.template(ReferenceDoc.RULES_TEMPLATE);

  @Test
  void everyRuleClassIsNamedInAHeadingOrACommentMarker() throws IOException {
    // given
    StringBuilder markers = new StringBuilder();
    Matcher marker = MARKERS.matcher(RULES);
    while (marker.find()) {
      markers.append(marker.group(1) != null ? marker.group(1) : marker.group(2)).append('\n');
    }
    List<String> ruleClasses;
    try (Stream<Path> files = Files.list(RULE_SOURCES)) {
      ruleClasses =
          files
              .map(f -> f.getFileName().toString())
              .filter(name -> name.endsWith("Rules.java") || name.equals("ResourceValidator.java"))
              .sorted()
              .toList();
    }

    // then
    assertThat(ruleClasses).contains("GatewayRules.java", "ResourceValidator.java");
    for (String ruleClass : ruleClasses) {
      assertThat(markers.toString()).as("marker for %s", ruleClass).contains(ruleClass);
    }
  }

  @Test
  void everyRuleMessageOfTheGoldenCasesIsDocumented() {
    // given: "  [rule] /spec/x: message (value: 1)" gives "message"
    Set<String> messages = new TreeSet<>();
    for (Path caseDir : GoldenFiles.cases(CASES)) {
      for (String line : GoldenFiles.read(caseDir.resolve("violations.golden.txt")).split("\n")) {
        if (line.startsWith(RULE_LINE)) {
          String violation = line.substring(RULE_LINE.length());
          String message = violation.substring(violation.indexOf(": ") + 2);
          int detail = message.indexOf(" (");
          messages.add(detail < 0 ? message : message.substring(0, detail));
        }
      }
    }
    // The template wraps lines; a message may span two.
    String text = RULES.replaceAll("\\s+", " ");

    // then
    assertThat(messages).as("rule messages in the golden cases").hasSizeGreaterThan(40);
    assertThat(messages.stream().filter(message -> !text.contains(message)).toList())
        .as(
            "[rule] messages of the golden cases that %s does not mention",
            ReferenceDoc.RULES_TEMPLATE)
        .isEmpty();
  }
}
