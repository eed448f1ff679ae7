package dev.cairn.backup.objectstore;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The object storage the agent keeps backups in: one bucket. Every failure is an {@link
 * ObjectStoreException} whose message names the bucket or key and says what went wrong.
 */
public interface ObjectStore extends AutoCloseable {
  /** Fails early, before any snapshot is taken, when the bucket is missing or not ours to use. */
  void checkBucket() throws ObjectStoreException;

  /**
   * Stores a file under {@code key}, in parts when it is large, with the SHA-256 of every part sent
   * for the store to check. Either the whole object is stored or nothing is: an unfinished upload
   * is aborted.
   *
   * @param sha256 lower-case hex SHA-256 of the whole file
   * @param progress told the bytes uploaded so far, after each part
   */
  void putFile(String key, Path file, String sha256, LongConsumer progress)
      throws ObjectStoreException;

  /** Stores a small object in one request. */
  void putBytes(String key, byte[] content, String contentType) throws ObjectStoreException;

  /** Downloads {@code key} into {@code file}, replacing it. */
  void getFile(String key, Path file) throws ObjectStoreException;

  /**
   * @throws ObjectStoreException also when there is no such key
   */
  byte[] getBytes(String key) throws ObjectStoreException;

  /** Every key under {@code prefix}, in key order. */
  List<ObjectInfo> list(String prefix) throws ObjectStoreException;

  /** Deletes {@code key}; deleting a missing key is not an error. */
  void delete(String key) throws ObjectStoreException;

  @Override
  void close();

  /** An object as a listing shows it. */
  record ObjectInfo(String key, long size) {}

  /** A request to the object store failed; the message is meant for the operator. */
  final class ObjectStoreException extends IOException {
    public ObjectStoreException(String message) {
      super(message);
    }
  }
}
