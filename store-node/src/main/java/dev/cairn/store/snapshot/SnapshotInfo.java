package dev.cairn.store.snapshot;

/**
 * What a snapshot holds, in the terms of {@code etcdutl snapshot status}.
 *
 * @param hash CRC-32C of every table's name and records, tables in name order (etcdutl's hash of a
 *     bbolt snapshot, over the same logical content); read as unsigned
 * @param revision the highest main revision in the key table (0 when it is empty)
 * @param totalKeys keys that exist at that revision
 * @param records records of every table
 * @param totalSize the file's size in bytes, SHA-256 trailer included
 * @param consistentIndex the last Raft index applied to the snapshot's state (0 when unknown)
 * @param formatVersion the version of the file format
 */
public record SnapshotInfo(
    int hash,
    long revision,
    long totalKeys,
    long records,
    long totalSize,
    long consistentIndex,
    int formatVersion) {

  /** The hash as etcdutl prints it: lower-case hex, no leading zeros. */
  public String hashHex() {
    return Integer.toHexString(hash);
  }
}
