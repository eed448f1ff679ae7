/**
 * The cluster as its members report it over the etcd API. Only jetcd is used, never store-node
 * classes, so this works against etcd too.
 */
package dev.cairn.operator.member;
