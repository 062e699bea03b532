package io.meshgate.xds.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.Context;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * How a process writes its log lines: {@code text}, logback.xml's pattern, or {@code json}, one
 * JSON object per line from Logback's own {@link JsonEncoder} (no other dependency). In JSON the
 * SLF4J key-value pairs a line carries (the ADS streams': node, group, typeUrl, version, nonce,
 * stream) are fields of {@code kvpList}; the text format shows the message only, as before.
 */
public enum LogFormat {
  TEXT,
  JSON;

  /** {@code text} or {@code json}, in any case. */
  static LogFormat parse(String value) {
    for (LogFormat format : values()) {
      if (format.name().equalsIgnoreCase(value.trim())) {
        return format;
      }
    }
    throw new IllegalArgumentException("log format '" + value + "' (expected: text or json)");
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The encoder of {@code json}: the time, level, thread, logger, key-value pairs, MDC, the
   * formatted message and the throwable; not the message pattern and its arguments apart (they are
   * in the formatted message), nor Logback's sequence numbers and context.
   */
  public static JsonEncoder jsonEncoder(Context context) {
    JsonEncoder encoder = new JsonEncoder();
    encoder.setContext(context);
    encoder.setWithSequenceNumber(false);
    encoder.setWithNanoseconds(false);
    encoder.setWithContext(false);
    encoder.setWithMessage(false);
    encoder.setWithArguments(false);
    encoder.setWithFormattedMessage(true);
    encoder.start();
    return encoder;
  }

  /**
   * Writes every appender of the process's logging in this format until the returned action is run
   * (which restores the encoders it replaced). {@code text} changes nothing.
   */
  Runnable apply() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (this == TEXT || !(factory instanceof LoggerContext context)) {
      return () -> {};
    }
    record Replaced(OutputStreamAppender<ILoggingEvent> appender, Encoder<ILoggingEvent> was) {}
    List<Replaced> replaced = new ArrayList<>();
    for (Logger logger : context.getLoggerList()) {
      for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) {
        if (it.next() instanceof OutputStreamAppender<ILoggingEvent> appender
            && !(appender.getEncoder() instanceof JsonEncoder)) {
          replaced.add(new Replaced(appender, appender.getEncoder()));
          swap(appender, jsonEncoder(context));
        }
      }
    }
    return () -> replaced.forEach(r -> swap(r.appender(), r.was()));
  }

  /**
   * Without stopping the appender: stopping closes its stream (System.err for the console). The
   * format is set as a command starts, before its threads log.
   */
  private static void swap(
      OutputStreamAppender<ILoggingEvent> appender, Encoder<ILoggingEvent> encoder) {
    appender.setEncoder(encoder);
  }
}
