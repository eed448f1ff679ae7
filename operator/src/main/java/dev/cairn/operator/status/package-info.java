/** The StoreCluster status as a pure function of what was observed. */
package dev.cairn.operator.status;
