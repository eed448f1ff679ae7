package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * etcd authentication: users, roles and permissions, enforced once the operator has made the root
 * user and enabled auth.
 *
 * @param enabled whether auth is on
 * @param rootSecretName a Secret with keys {@code username} (must be root) and {@code password}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!self.enabled || has(self.rootSecretName)",
    message = "auth.rootSecretName is required when auth is enabled")
public record AuthSpec(
    @JsonPropertyDescription("Turn on etcd authentication.") @Default("false") Boolean enabled,
    @JsonPropertyDescription("Secret with the root user's password under the key 'password'.")
        String rootSecretName) {

  public AuthSpec {
    enabled = enabled != null && enabled;
  }
}
