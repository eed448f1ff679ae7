package dev.cairn.store.apply;

/**
 * A committed log entry as the applier sees it.
 *
 * @param data the encoded request; empty for a new leader's entry and for configuration changes
 * @param memberChange the change of membership a configuration change makes, else null
 */
public record Committed(long index, long term, byte[] data, MemberChange memberChange) {
  public Committed(long index, long term, byte[] data) {
    this(index, term, data, null);
  }

  /**
   * A member recorded or removed.
   *
   * @param description the member's description to store, or null to remove it
   */
  public record MemberChange(long memberId, byte[] description) {}
}
