package io.meshgate.meshbridge.meshca;

/** Where a mesh CA root is in its life, at one instant (see {@link RootSet#state}). */
public enum RootState {
  /** Added by a rotation and already trusted, but not signing yet: peers are learning it. */
  PREPARED,
  /** The root that signs new leaves. */
  ACTIVE,
  /** Replaced as the signer, still trusted until the last leaf it signed expires. */
  RETIRING,
  /** No leaf it signed is valid any more: no longer in the trust bundle. */
  RETIRED
}
