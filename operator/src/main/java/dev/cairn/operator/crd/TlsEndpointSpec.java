package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * TLS of one listener (client or peer): certificates from an existing Secret, or made by the
 * operator.
 *
 * @param secretName a Secret of type kubernetes.io/tls with {@code tls.crt}, {@code tls.key} and
 *     {@code ca.crt}; its certificate must name every member and (client side) the client Service
 * @param generate whether the operator makes a CA and the certificates itself
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!(has(self.secretName) && has(self.generate) && self.generate)",
    message = "set either secretName or generate, not both")
public record TlsEndpointSpec(
    @JsonPropertyDescription("Existing kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt.")
        String secretName,
    @JsonPropertyDescription("Let the operator generate a CA and the certificates.")
        Boolean generate) {

  /** Whether this listener serves TLS at all. */
  @JsonIgnore
  public boolean enabled() {
    return secretName != null || Boolean.TRUE.equals(generate);
  }

  /** Whether the operator makes the certificates. */
  @JsonIgnore
  public boolean generated() {
    return secretName == null && Boolean.TRUE.equals(generate);
  }
}
