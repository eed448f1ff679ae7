package dev.cairn.store.storage;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Every table and every fixed key this member stores on disk, in one place. */
public final class Schema {
  private Schema() {}

  /** Raft log backend: entries by big-endian index. */
  public static final Table RAFT_LOG = new Table("log");

  /** Raft log backend: hard state and log bounds. */
  public static final Table RAFT_STATE = new Table("state");

  /** MVCC backend: every revision of every key, by etcd's 17-byte revision key. */
  public static final Table KEY = new Table("key");

  /** MVCC backend: applied index, compaction progress and other single values. */
  public static final Table META = new Table("meta");

  /** MVCC backend: granted leases, by big-endian id; value = granted TTL in seconds. */
  public static final Table LEASE = new Table("lease");

  /**
   * MVCC backend: the cluster's members as of the applied index, by big-endian id; value = the
   * member's description as its configuration change carried it.
   */
  public static final Table MEMBERS = new Table("members");

  /**
   * MVCC backend: the raised alarms, by big-endian member id followed by the alarm type's number;
   * empty values.
   */
  public static final Table ALARM = new Table("alarm");

  /** MVCC backend: whether auth is enabled, and the auth store's revision. */
  public static final Table AUTH = new Table("auth");

  /** MVCC backend: users by name; value = an encoded authpb.User (bcrypt password hash inside). */
  public static final Table AUTH_USERS = new Table("authUsers");

  /** MVCC backend: roles by name; value = an encoded authpb.Role with its key permissions. */
  public static final Table AUTH_ROLES = new Table("authRoles");

  public static final List<Table> RAFT_TABLES = List.of(RAFT_LOG, RAFT_STATE);
  public static final List<Table> MVCC_TABLES =
      List.of(KEY, META, LEASE, MEMBERS, ALARM, AUTH, AUTH_USERS, AUTH_ROLES);

  public static final byte[] HARD_STATE = ascii("hard_state");
  public static final byte[] FIRST_INDEX = ascii("first_index");
  public static final byte[] CLUSTER_IDENTITY = ascii("cluster_identity");

  /** Raft state: the latest snapshot's index, term and configuration. */
  public static final byte[] SNAPSHOT = ascii("snapshot");

  /** Raft state: the term of the entry just before the first one held (at first_index - 1). */
  public static final byte[] FIRST_TERM = ascii("first_term");

  /** Auth table: 1 when auth is enabled, 0 when not. */
  public static final byte[] AUTH_ENABLED = ascii("authEnabled");

  /** Auth table: the auth store's revision, big-endian. */
  public static final byte[] AUTH_REVISION = ascii("authRevision");

  public static final byte[] CONSISTENT_INDEX = ascii("consistent_index");
  public static final byte[] TERM = ascii("term");
  public static final byte[] SCHEDULED_COMPACT_REV = ascii("scheduledCompactRev");
  public static final byte[] FINISHED_COMPACT_REV = ascii("finishedCompactRev");

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
