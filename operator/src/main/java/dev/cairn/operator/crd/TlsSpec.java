package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * TLS of the client and peer listeners; either may be off (null).
 *
 * @param client TLS for clients on port 2379, with client certificates required
 * @param peer TLS between members on port 2380, with peer certificates required
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TlsSpec(
    @JsonPropertyDescription("TLS for clients on port 2379 (mutual TLS).") TlsEndpointSpec client,
    @JsonPropertyDescription("TLS between members on port 2380 (mutual TLS).")
        TlsEndpointSpec peer) {}
