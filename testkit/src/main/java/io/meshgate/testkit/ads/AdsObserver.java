package io.meshgate.testkit.ads;

import com.google.protobuf.Message;
import java.util.Map;
import java.util.Optional;

/**
 * What a caller hears from its {@link AdsClient}: where it records markers, times and checks, and
 * where it decides what to subscribe to next or when to reconnect.
 *
 * <p>Threading: each method runs on the stream's gRPC thread, one call at a time per stream, and
 * never while the client holds its lock, so a method may call the client back (e.g. {@link
 * AdsClient#subscribe}). Only calls about the client's current stream are made.
 */
public interface AdsObserver {

  /**
   * Whether the caller refuses a response that unpacked cleanly (injected rejections); empty to
   * accept it. Called before the client answers.
   */
  default Optional<String> refusal(Received received, Map<String, Message> unpacked) {
    return Optional.empty();
  }

  /** After the client sent its ACK or NACK of a response. */
  default void answered(Answer answer) {}

  /** After the current stream ended; the client opens no other by itself. */
  default void ended(StreamEnd end) {}
}
