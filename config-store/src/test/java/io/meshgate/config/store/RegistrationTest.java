package io.meshgate.config.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshgate.config.codec.YamlDocuments;
import io.meshgate.config.model.HealthStatus;
import io.meshgate.config.model.Kind;
import io.meshgate.config.model.Resource;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.validate.ResourceValidator;
import io.meshgate.config.validate.Validation;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** How a registration is keyed and stored. */
class RegistrationTest {
  private static final Resource WORKLOAD =
      ((Validation.Valid)
              ResourceValidator.get()
                  .validate(
                      YamlDocuments.read(
                              "-",
                              """
                              apiVersion: meshgate.io/v1alpha1
                              kind: Workload
                              metadata: {name: vm-1, namespace: shop, labels: {app: web}}
                              spec: {address: 10.0.0.1, ports: [{name: http, port: 8080}]}
                              """)
                          .get(0)
                          .tree()))
          .resource();

  @Test
  void aRegistrationRoundTripsThroughItsStoredValueWithTheModRevisionAsResourceVersion() {
    Registration registration =
        new Registration(
            WORKLOAD,
            "agent-1",
            HealthStatus.WARNING,
            "HTTP 429",
            "replica-0",
            Instant.parse("2026-12-06T10:00:00Z"));

    Registration read = StoredValues.registration(StoredValues.registration(registration), 42);

    assertThat(read.workload().metadata().resourceVersion()).isEqualTo(42L);
    assertThat(read.workload().spec()).isEqualTo(WORKLOAD.spec());
    assertThat(read.workload().metadata().labels()).containsEntry("app", "web");
    assertThat(read)
        .extracting(
            Registration::instance,
            Registration::health,
            Registration::output,
            Registration::node,
            Registration::since)
        .containsExactly(
            "agent-1",
            HealthStatus.WARNING,
            "HTTP 429",
            "replica-0",
            Instant.parse("2026-12-06T10:00:00Z"));
  }

  @Test
  void aKeyNamesTheWorkloadAndParsesBack() {
    ResourceKey key = new ResourceKey(Kind.WORKLOAD, "shop", "vm-1");

    assertThat(Keyspace.registration(key)).isEqualTo("/meshgate/v1/registrations/shop/vm-1");
    assertThat(Keyspace.parseRegistrationKey(Keyspace.registration(key))).isEqualTo(key);
    assertThatThrownBy(() -> Keyspace.parseRegistrationKey("/meshgate/v1/registrations/shop"))
        .hasMessageContaining("expected: /meshgate/v1/registrations/<namespace>/<name>");
    assertThatThrownBy(() -> Keyspace.registration(new ResourceKey(Kind.BACKEND, "shop", "web")))
        .hasMessageContaining("expected: a Workload");
  }

  @Test
  void checkOutputIsBoundedAndAnUnreadableValueSaysSo() {
    Registration registration =
        new Registration(
            WORKLOAD, "agent-1", HealthStatus.CRITICAL, "x".repeat(5000), "r", Instant.EPOCH);

    assertThat(registration.output()).hasSize(Registration.MAX_OUTPUT);
    assertThatThrownBy(
            () -> StoredValues.registration("{not json".getBytes(StandardCharsets.UTF_8), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("stored registration is not readable");
  }

  @Test
  void anotherHealthStartsANewSinceAndTheSameKeepsIt() {
    Instant start = Instant.parse("2026-12-06T10:00:00Z");
    Instant later = start.plusSeconds(30);
    Registration registration =
        new Registration(WORKLOAD, "agent-1", HealthStatus.PASSING, "", "r", start);

    assertThat(registration.reported(HealthStatus.PASSING, "ok", later).since()).isEqualTo(start);
    assertThat(registration.reported(HealthStatus.CRITICAL, "down", later).since())
        .isEqualTo(later);
  }
}
