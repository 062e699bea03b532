/**
 * Keeps VM registrations: an agent ({@code meshgate register}) registers its Workload on a stream
 * authenticated like a proxy's, and the node stores it in etcd under a lease that the agent's
 * health reports renew ({@link io.meshgate.xds.register.RegistrationService}, {@link
 * io.meshgate.xds.register.RegistrationStore}). The node never renews a lease on its own: a
 * registration lives exactly as long as its agent reports through some node.
 */
@NullMarked
package io.meshgate.xds.register;

import org.jspecify.annotations.NullMarked;
