package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Where one backup is: a bucket and the key of its snapshot.
 *
 * @param objectStore the bucket and how to reach it
 * @param key the snapshot's key
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BackupLocation(ObjectStoreSpec objectStore, String key) {}
