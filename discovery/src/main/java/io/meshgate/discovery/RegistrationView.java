package io.meshgate.discovery;

import static java.util.Objects.requireNonNull;

import io.etcd.jetcd.Client;
import io.meshgate.config.model.ResourceKey;
import io.meshgate.config.store.Keyspace;
import io.meshgate.config.store.PrefixView;
import io.meshgate.config.store.Registration;
import io.meshgate.config.store.StoredValues;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Workloads agents hold registered, watched in etcd ({@link Keyspace#registrationsPrefix()}): a
 * {@link Registrations} snapshot after each change, in revision order, on the view's thread (see
 * {@link PrefixView} for the threading contract). A registration that expires with its lease is
 * gone from the next snapshot. A value that does not decode, or whose key names another Workload,
 * is logged and left out.
 */
public final class RegistrationView implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RegistrationView.class);

  private final PrefixView<Registration> view;

  private RegistrationView(PrefixView<Registration> view) {
    this.view = view;
  }

  /** Starts watching; the first snapshot follows the first list. Close it before the client. */
  public static RegistrationView open(Client etcd, Consumer<Registrations> listener) {
    requireNonNull(listener, "listener");
    return new RegistrationView(
        PrefixView.open(
            etcd,
            Keyspace.registrationsPrefix(),
            "registration-view",
            log,
            RegistrationView::decode,
            listing -> listener.accept(registrations(listing))));
  }

  public Registrations current() {
    return registrations(view.current());
  }

  /** The first snapshot at or beyond {@code revision}, once the listener has returned from it. */
  public Registrations awaitRevision(long revision, Duration timeout)
      throws InterruptedException, TimeoutException {
    return registrations(view.awaitRevision(revision, timeout));
  }

  private static @Nullable Registration decode(String key, byte[] value, long modRevision) {
    ResourceKey workload = Keyspace.parseRegistrationKey(key);
    Registration registration = StoredValues.registration(value, modRevision);
    if (!registration.key().equals(workload)) {
      log.warn("skipping {} at revision {}: it holds {}", key, modRevision, registration.key());
      return null;
    }
    return registration;
  }

  private static Registrations registrations(PrefixView.Listing<Registration> listing) {
    Map<ResourceKey, Registration> byWorkload = new TreeMap<>();
    listing.values().values().forEach(r -> byWorkload.put(r.key(), r));
    return Registrations.of(listing.revision(), byWorkload);
  }

  @Override
  public void close() {
    view.close();
  }
}
