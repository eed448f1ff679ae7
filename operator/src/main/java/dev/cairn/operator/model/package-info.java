/**
 * Pure desired-state generation: every Kubernetes object a StoreCluster owns, built from the custom
 * resource alone. Nothing here calls the API server.
 */
package dev.cairn.operator.model;
