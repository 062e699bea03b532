/**
 * meshgate's own mesh CA: roots stored in etcd with sealed keys ({@link
 * io.meshgate.meshbridge.meshca.MeshCaRoots}), which of them is trusted and signs when ({@link
 * io.meshgate.meshbridge.meshca.RootSet}, pure), and deterministic issuance of SPIFFE identities so
 * that every replica serves the same bytes ({@link io.meshgate.meshbridge.meshca.MeshCaSource}).
 * Private keys are never logged, printed or written in plaintext.
 */
@NullMarked
package io.meshgate.meshbridge.meshca;

import org.jspecify.annotations.NullMarked;
