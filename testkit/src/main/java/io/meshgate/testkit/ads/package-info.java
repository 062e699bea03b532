/**
 * A simulated Envoy's ADS client core, shared by the fleet bench and the fault suite: one stream
 * over delta or state of the world that subscribes, unpacks, ACKs or NACKs and keeps what it holds,
 * and tells its caller each answer. What a caller subscribes to, when it reconnects, and what it
 * records stays with the caller. Test and bench code only; main code never depends on this package.
 */
@NullMarked
package io.meshgate.testkit.ads;

import org.jspecify.annotations.NullMarked;
