package dev.cairn.operator.crd;

/** What happens to a member's volume when the StoreCluster is deleted. */
public enum RetentionPolicy {
  /** The PersistentVolumeClaims stay; a new cluster of the same name does not reuse them. */
  Retain,
  /** The PersistentVolumeClaims are deleted with the StatefulSet. */
  Delete
}
