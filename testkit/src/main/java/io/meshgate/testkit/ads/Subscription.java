package io.meshgate.testkit.ads;

import java.util.Set;
import java.util.TreeSet;

/** What a client asks for of one type: everything the server has for it, or these names. */
public sealed interface Subscription permits Subscription.Wildcard, Subscription.Named {

  static Subscription wildcard() {
    return Wildcard.INSTANCE;
  }

  /**
   * These names; an empty set asks for nothing yet (an empty SotW request would mean everything).
   */
  static Subscription named(Iterable<String> names) {
    Set<String> sorted = new TreeSet<>();
    names.forEach(sorted::add);
    return new Named(sorted);
  }

  /** Every resource of the type ({@code *} in delta, no names in state of the world). */
  enum Wildcard implements Subscription {
    INSTANCE
  }

  /** The resources of these names, sorted. */
  record Named(Set<String> names) implements Subscription {
    public Named {
      names = java.util.Collections.unmodifiableSet(new TreeSet<>(names));
    }
  }
}
