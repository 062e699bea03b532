package io.meshgate.xds.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Mappers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * deploy/grafana/meshgate-dashboard.json parses, asks a Prometheus data source variable, and uses
 * only series docs/metrics.md lists.
 */
class GrafanaDashboardTest {
  private static final Path DASHBOARD =
      Path.of("..", "deploy", "grafana", "meshgate-dashboard.json");

  private static final Pattern METRIC =
      Pattern.compile("\\b((?:meshgate|jvm|process|system)_[a-z0-9_]+)\\b");

  private static final List<String> HISTOGRAM_PARTS = List.of("_bucket", "_sum", "_count", "_max");

  private static JsonNode dashboard() throws IOException {
    return Mappers.json().readTree(Files.readString(DASHBOARD));
  }

  /** Every PromQL expression: the panels' targets and the variables' queries. */
  private static List<String> expressions(JsonNode dashboard) {
    List<String> expressions = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        expressions.add(target.path("expr").asText());
      }
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (variable.has("definition")) {
        expressions.add(variable.path("definition").asText());
      }
    }
    return expressions;
  }

  /** The series a name stands for: itself, or the histogram it is a part of. */
  private static List<String> candidates(String name) {
    List<String> names = new ArrayList<>(List.of(name));
    for (String part : HISTOGRAM_PARTS) {
      if (name.endsWith(part)) {
        names.add(name.substring(0, name.length() - part.length()));
      }
    }
    return names;
  }

  @Test
  void theDashboardAsksForAPrometheusDataSourceAndEveryPanelUsesIt() throws IOException {
    JsonNode dashboard = dashboard();

    List<String> variables = new ArrayList<>();
    dashboard.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
    assertThat(variables).contains("datasource");
    for (JsonNode panel : dashboard.path("panels")) {
      if (!panel.path("type").asText().equals("row")) {
        assertThat(panel.path("datasource").path("uid").asText())
            .as(panel.path("title").asText())
            .isEqualTo("${datasource}");
        assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
      }
    }
  }

  @Test
  void everyMetricTheDashboardQueriesIsListedInTheMetricsDocs() throws IOException {
    // given the series docs/metrics.md lists, and its text (the JVM's are named in a table)
    Set<String> documented = MetricsDocsTest.documented();
    String docs = Files.readString(MetricsDocsTest.DOCS);

    // when every metric name in the dashboard's queries is looked up
    Set<String> used = new TreeSet<>();
    Set<String> missing = new TreeSet<>();
    for (String expression : expressions(dashboard())) {
      Matcher matcher = METRIC.matcher(expression);
      while (matcher.find()) {
        String name = matcher.group(1);
        used.add(name);
        boolean listed =
            candidates(name).stream()
                .anyMatch(
                    c ->
                        c.startsWith("meshgate_")
                            ? documented.contains(c)
                            : Pattern.compile("\\b" + c + "\\b").matcher(docs).find());
        if (!listed) {
          missing.add(name);
        }
      }
    }

    // then it uses the core series, and each is listed
    assertThat(used)
        .contains(
            "meshgate_config_convergence_seconds_bucket",
            "meshgate_xds_nacks_total",
            "meshgate_applier_lag_records",
            "meshgate_pipeline_build_stage_seconds_sum",
            "jvm_memory_used_bytes");
    assertThat(missing).as("queried but not in docs/metrics.md").isEmpty();
  }
}
