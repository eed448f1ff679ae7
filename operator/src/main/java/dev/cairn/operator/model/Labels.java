package dev.cairn.operator.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** The labels the operator puts on what it owns; the selector part must never change. */
public final class Labels {
  public static final String NAME = "app.kubernetes.io/name";
  public static final String INSTANCE = "app.kubernetes.io/instance";
  public static final String COMPONENT = "app.kubernetes.io/component";
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String APP = "cairn";

  /** On a StoreBackup: the cluster it backs up, to list a cluster's backups. */
  public static final String BACKUP_CLUSTER = "cairn.dev/cluster";

  /** On a StoreBackup a schedule made: the only ones retention deletes. */
  public static final String BACKUP_SCHEDULED = "cairn.dev/scheduled";

  public static final String OPERATOR = "cairn-operator";

  private Labels() {}

  /** Selects the members of one cluster; used by the StatefulSet, Services and PDB. */
  public static Map<String, String> selector(String cluster) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(NAME, APP);
    labels.put(INSTANCE, cluster);
    return labels;
  }

  /** The labels of every object of one cluster. */
  public static Map<String, String> of(String cluster, String component) {
    Map<String, String> labels = selector(cluster);
    labels.put(COMPONENT, component);
    labels.put(MANAGED_BY, OPERATOR);
    return labels;
  }

  /** The selector as the scale subresource reports it: {@code k=v,k=v}. */
  public static String selectorString(String cluster) {
    return selector(cluster).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(","));
  }
}
