/**
 * The {@code StoreCluster} custom resource ({@code cairn.dev/v1alpha1}) and the names derived from
 * it. The CRD in {@code crds/} is generated from these classes; the schema annotations here are the
 * API's validation.
 */
package dev.cairn.operator.crd;
