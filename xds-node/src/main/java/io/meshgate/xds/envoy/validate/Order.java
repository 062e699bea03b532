package io.meshgate.xds.envoy.validate;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.envoyproxy.pgv.validate.Validate.FieldRules;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * How the values of one PGV rule kind compare and show. Comparisons are {@code <} and {@code ==} as
 * PGV's generated code writes them, so a NaN float satisfies no bound.
 */
interface Order<T> {
  boolean less(T a, T b);

  boolean same(T a, T b);

  String show(T value);

  /** The numeric kinds: what PGV names them, and how their Java values compare. */
  enum Numbers implements Order<Object> {
    SIGNED,
    UNSIGNED_32,
    UNSIGNED_64,
    FLOATING;

    /** The order of a numeric rule kind of {@link FieldRules}, or {@code null} if not numeric. */
    static @Nullable Numbers of(FieldRules.TypeCase kind) {
      return switch (kind) {
        case INT32, INT64, SINT32, SINT64, SFIXED32, SFIXED64 -> SIGNED;
        case UINT32, FIXED32 -> UNSIGNED_32;
        case UINT64, FIXED64 -> UNSIGNED_64;
        case FLOAT, DOUBLE -> FLOATING;
        default -> null;
      };
    }

    @Override
    public boolean less(Object a, Object b) {
      return switch (this) {
        case SIGNED, UNSIGNED_32 -> asLong(a) < asLong(b);
        case UNSIGNED_64 -> Long.compareUnsigned((Long) a, (Long) b) < 0;
        case FLOATING -> ((Number) a).doubleValue() < ((Number) b).doubleValue();
      };
    }

    @Override
    public boolean same(Object a, Object b) {
      return switch (this) {
        case SIGNED, UNSIGNED_32 -> asLong(a) == asLong(b);
        case UNSIGNED_64 -> ((Long) a).longValue() == ((Long) b).longValue();
        case FLOATING -> ((Number) a).doubleValue() == ((Number) b).doubleValue();
      };
    }

    boolean isZero(Object value) {
      return this == FLOATING
          ? ((Number) value).doubleValue() == 0
          : ((Number) value).longValue() == 0;
    }

    @Override
    public String show(Object value) {
      return switch (this) {
        case UNSIGNED_32 -> Integer.toUnsignedString((Integer) value);
        case UNSIGNED_64 -> Long.toUnsignedString((Long) value);
        case SIGNED, FLOATING -> String.valueOf(value);
      };
    }

    private long asLong(Object value) {
      return this == UNSIGNED_32 && value instanceof Integer i
          ? Integer.toUnsignedLong(i)
          : ((Number) value).longValue();
    }
  }

  /** google.protobuf.Duration, read by reflection (a DynamicMessage from an Any has no class). */
  Order<Duration> DURATIONS =
      new Order<>() {
        @Override
        public boolean less(Duration a, Duration b) {
          return a.compareTo(b) < 0;
        }

        @Override
        public boolean same(Duration a, Duration b) {
          return a.equals(b);
        }

        @Override
        public String show(Duration value) {
          return Shown.duration(value);
        }
      };

  /** google.protobuf.Timestamp, read by reflection. */
  Order<Instant> TIMESTAMPS =
      new Order<>() {
        @Override
        public boolean less(Instant a, Instant b) {
          return a.isBefore(b);
        }

        @Override
        public boolean same(Instant a, Instant b) {
          return a.equals(b);
        }

        @Override
        public String show(Instant value) {
          return value.toString();
        }
      };

  /** A Duration message's value. */
  static Duration duration(Message message) {
    return Duration.ofSeconds(secondsOf(message), nanosOf(message));
  }

  /** A Timestamp message's value. */
  static Instant instant(Message message) {
    return Instant.ofEpochSecond(secondsOf(message), nanosOf(message));
  }

  private static long secondsOf(Message message) {
    FieldDescriptor seconds = message.getDescriptorForType().findFieldByNumber(1);
    return (Long) message.getField(seconds);
  }

  private static int nanosOf(Message message) {
    FieldDescriptor nanos = message.getDescriptorForType().findFieldByNumber(2);
    return (Integer) message.getField(nanos);
  }
}
