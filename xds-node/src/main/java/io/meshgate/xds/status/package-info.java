/**
 * Status from the serving side: one replica, elected through an etcd lease, writes the conditions
 * that translation and the proxies decide (ResolvedRefs, Programmed) under {@code
 * /meshgate/v1/conditions/}; the applier's status key is never written here. Every replica reports
 * its proxies' ACKs, and shares what they rejected with the other replicas (SharedRejections),
 * never their error details.
 */
package io.meshgate.xds.status;
