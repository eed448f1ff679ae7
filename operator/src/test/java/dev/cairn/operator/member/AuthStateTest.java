package dev.cairn.operator.member;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class AuthStateTest {
  @Test
  void aLoginRefusedBecauseAuthIsOffMeansDisabled() {
    Throwable failure =
        new ExecutionException(
            Status.FAILED_PRECONDITION
                .withDescription("etcdserver: authentication is not enabled")
                .asRuntimeException());
    assertThat(AuthState.fromFailure(failure)).isEqualTo(AuthState.DISABLED);
  }

  @Test
  void aRefusedPasswordMeansTheRootSecretIsWrong() {
    Throwable failure =
        new ExecutionException(
            Status.INVALID_ARGUMENT
                .withDescription("etcdserver: authentication failed, invalid user ID or password")
                .asRuntimeException());
    assertThat(AuthState.fromFailure(failure)).isEqualTo(AuthState.WRONG_PASSWORD);
  }

  @Test
  void anythingElseTellsNothing() {
    assertThat(AuthState.fromFailure(new ExecutionException(Status.UNAVAILABLE.asException())))
        .isEqualTo(AuthState.UNKNOWN);
    assertThat(AuthState.fromFailure(new RuntimeException((String) null)))
        .isEqualTo(AuthState.UNKNOWN);
  }
}
