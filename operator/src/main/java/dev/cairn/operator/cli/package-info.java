/** The operator's composition root: configuration, the JOSDK Operator, health endpoints. */
package dev.cairn.operator.cli;
