package dev.cairn.store.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.cairn.proto.authpb.Permission;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyPermissionsTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Permission perm(Permission.Type t, String key, String end) {
    return Permission.newBuilder()
        .setPermType(t)
        .setKey(ByteString.copyFromUtf8(key))
        .setRangeEnd(ByteString.copyFromUtf8(end))
        .build();
  }

  @Test
  void aSingleKeyPermissionAllowsThatKeyAndNothingElse() {
    KeyPermissions p = KeyPermissions.of(List.of(perm(Permission.Type.READ, "foo", "")));
    assertThat(p.canRead(b("foo"), new byte[0])).isTrue();
    assertThat(p.canRead(b("foo0"), new byte[0])).isFalse();
    assertThat(p.canRead(b("fo"), new byte[0])).isFalse();
    assertThat(p.canWrite(b("foo"), new byte[0])).isFalse();
    // A range of exactly that one key is covered too: [foo, foo\0).
    assertThat(p.canRead(b("foo"), b("foo\0"))).isTrue();
    assertThat(p.canRead(b("foo"), b("fop"))).isFalse();
  }

  @Test
  void aRangeMustBeCoveredWhole() {
    KeyPermissions p = KeyPermissions.of(List.of(perm(Permission.Type.READWRITE, "a", "c")));
    assertThat(p.canRead(b("a"), b("c"))).isTrue();
    assertThat(p.canWrite(b("b"), b("bz"))).isTrue();
    assertThat(p.canRead(b("b"), b("d"))).as("crosses the end").isFalse();
    assertThat(p.canRead(b("c"), new byte[0])).as("the end is excluded").isFalse();
    assertThat(p.canRead(b("a"), new byte[] {0})).as("from a onwards").isFalse();
  }

  @Test
  void adjacentAndOverlappingGrantsFromSeveralRolesMerge() {
    KeyPermissions p =
        KeyPermissions.of(
            List.of(
                perm(Permission.Type.READ, "a", "c"),
                perm(Permission.Type.READWRITE, "c", "e"),
                perm(Permission.Type.READ, "d", "g")));
    assertThat(p.canRead(b("a"), b("g"))).isTrue();
    assertThat(p.canRead(b("a"), b("h"))).isFalse();
    assertThat(p.canWrite(b("a"), b("d"))).isFalse();
    assertThat(p.canWrite(b("c"), b("e"))).isTrue();
  }

  @Test
  void anOpenEndedGrantCoversEveryKeyFromItsStart() {
    KeyPermissions p = KeyPermissions.of(List.of(perm(Permission.Type.WRITE, "m", "\0")));
    assertThat(p.canWrite(b("m"), new byte[] {0})).isTrue();
    assertThat(p.canWrite(b("zzz"), new byte[0])).isTrue();
    assertThat(p.canWrite(b("l"), new byte[0])).isFalse();
    assertThat(p.canRead(b("m"), new byte[0])).isFalse();
  }

  @Test
  void noGrantsAllowNothing() {
    KeyPermissions p = KeyPermissions.of(List.of());
    assertThat(p.canRead(b("a"), new byte[0])).isFalse();
    assertThat(p.canWrite(b("a"), new byte[0])).isFalse();
  }
}
