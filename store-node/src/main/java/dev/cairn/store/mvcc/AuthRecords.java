package dev.cairn.store.mvcc;

/** The auth store's records in a write batch: flags by fixed key, users and roles by name. */
public interface AuthRecords {
  void putFlag(byte[] key, byte[] value);

  void putUser(byte[] name, byte[] user);

  void deleteUser(byte[] name);

  void putRole(byte[] name, byte[] role);

  void deleteRole(byte[] name);
}
