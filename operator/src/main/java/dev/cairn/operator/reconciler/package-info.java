/** The reconcile loop: apply the desired objects, observe the members, write one status. */
package dev.cairn.operator.reconciler;
