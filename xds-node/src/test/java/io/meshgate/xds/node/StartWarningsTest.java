package io.meshgate.xds.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshgate.config.event.KafkaClientConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartWarningsTest {
  @Test
  void loopbackKafkaAndEtcdInPlaintextAreNotWarnedAbout() {
    NodeSettings settings =
        NodeSettings.builder("127.0.0.1:9092,localhost:9093", "http://127.0.0.1:2379", "r1")
            .build();

    assertThat(StartWarnings.of(settings)).isEmpty();
  }

  @Test
  void remoteKafkaAndEtcdWithoutTlsAreEachWarnedAboutOnce() {
    NodeSettings settings =
        NodeSettings.builder("10.0.0.7:9092", "http://10.0.0.8:2379", "r1").build();

    assertThat(StartWarnings.of(settings))
        .satisfiesExactly(
            etcd -> assertThat(etcd).contains("http://10.0.0.8:2379").contains("without TLS"),
            kafka ->
                assertThat(kafka)
                    .contains("10.0.0.7:9092")
                    .contains("PLAINTEXT")
                    .contains("MESHGATE_KAFKA_CONFIG"));
  }

  @Test
  void kafkaOverSslOrSaslSslIsNotWarnedAbout() {
    for (String protocol : new String[] {"SSL", "SASL_SSL", "sasl_ssl"}) {
      assertThat(
              StartWarnings.kafka(
                  "kafka.example.com:9093",
                  KafkaClientConfig.of(Map.of("security.protocol", protocol))))
          .as(protocol)
          .isEmpty();
    }
  }

  @Test
  void saslPlaintextBeyondLoopbackSaysTheCredentialsTravelInPlaintext() {
    assertThat(
            StartWarnings.kafka(
                "127.0.0.1:9092,kafka.example.com:9092",
                KafkaClientConfig.of(Map.of("security.protocol", "SASL_PLAINTEXT"))))
        .get()
        .asString()
        .contains("kafka.example.com:9092")
        .doesNotContain("127.0.0.1")
        .contains("SASL credentials");
  }
}
