package dev.cairn.store.auth;

/**
 * Where the auth store writes its records: the apply thread's open backend transaction. Users and
 * roles are keyed by name, and flags by their fixed keys in {@code Schema}.
 */
public interface AuthWrites {
  void putFlag(byte[] key, byte[] value);

  void putUser(byte[] name, byte[] user);

  void deleteUser(byte[] name);

  void putRole(byte[] name, byte[] role);

  void deleteRole(byte[] name);
}
