package io.meshgate.xds.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.meshgate.config.codec.Mappers;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ParseResult;

class CliLoggingTest {
  private static ParseResult parse(String commandLine) {
    return Meshgate.commandLine().parseArgs(commandLine.split(" "));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "apply -f x.yaml",
        "get backend -A",
        "status backend/api",
        "token create --group g",
        "mesh-ca status",
        "seal-key create --out keys",
        "validate -f x.yaml"
      })
  void commandsRunOnceHideLibraryLogs(String commandLine) {
    assertThat(CliLogging.quiet(parse(commandLine))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "apply -v -f x.yaml",
        "get backend -A --verbose",
        "-v get backend -A",
        "token create -v --group g",
        "node",
        "standalone"
      })
  void verboseAndTheServicesKeepLibraryLogs(String commandLine) {
    assertThat(CliLogging.quiet(parse(commandLine))).isFalse();
  }

  @ParameterizedTest
  @CsvSource({"PT10S, 10s", "PT1.5S, 1500ms", "PT2M, 2m", "PT1H, 1h", "PT90S, 90s"})
  void theTimeoutIsWrittenAsOnTheCommandLine(Duration timeout, String text) {
    assertThat(Reachability.text(timeout)).isEqualTo(text);
  }

  @ParameterizedTest
  @CsvSource({
    "'', node, text",
    "json, node, json",
    "JSON, get backend -A, json",
    "'', --log-format json node, json",
    "'', node --log-format json, json",
    "json, node --log-format text, text"
  })
  void theLogFormatComesFromTheFlagElseMeshgateLogFormat(
      String environment, String commandLine, String format) {
    Map<String, String> env =
        environment.isEmpty() ? Map.of() : Map.of("MESHGATE_LOG_FORMAT", environment);
    ParseResult parsed =
        Meshgate.commandLine(new ConfigDefaults(env, Path.of("/nonexistent/config.yaml")))
            .parseArgs(commandLine.split(" "));

    assertThat(CliLogging.format(parsed)).hasToString(format);
  }

  @Test
  void anUnknownLogFormatIsAUsageError() {
    CliRun run = CliRun.run("--log-format", "xml", "validate", "-f", "-");

    assertThat(run.exit()).isEqualTo(Meshgate.EXIT_USAGE);
    assertThat(run.err()).contains("--log-format: log format 'xml' (expected: text or json)");
  }

  @Test
  void jsonWritesOneObjectPerLineWithTheKeyValuePairsAndTextComesBackAfterwards() throws Exception {
    // given: an appender with logback.xml's pattern
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    PatternLayoutEncoder pattern = new PatternLayoutEncoder();
    pattern.setContext(context);
    pattern.setPattern("%-5level %logger{30} - %msg%n");
    pattern.start();
    OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    appender.setContext(context);
    appender.setEncoder(pattern);
    appender.setOutputStream(written);
    appender.start();
    Logger logger = context.getLogger("io.meshgate.test.LogFormat");
    logger.addAppender(appender);
    try {
      // when
      Runnable restore = LogFormat.JSON.apply();
      logger.atWarn().addKeyValue("node", "edge-1").addKeyValue("stream", 7L).log("in {}", "json");
      restore.run();
      logger.atWarn().addKeyValue("node", "edge-1").log("in {}", "text");

      // then
      List<String> lines = written.toString(StandardCharsets.UTF_8).lines().toList();
      assertThat(lines).hasSize(2);
      JsonNode json = Mappers.json().readTree(lines.get(0));
      assertThat(json.path("level").asText()).isEqualTo("WARN");
      assertThat(json.path("loggerName").asText()).isEqualTo("io.meshgate.test.LogFormat");
      assertThat(json.path("formattedMessage").asText()).isEqualTo("in json");
      assertThat(json.path("kvpList").toString())
          .isEqualTo("[{\"node\":\"edge-1\"},{\"stream\":\"7\"}]");
      assertThat(lines.get(1)).isEqualTo("WARN  io.meshgate.test.LogFormat - in text");
    } finally {
      logger.detachAppender(appender);
      appender.stop();
    }
  }
}
