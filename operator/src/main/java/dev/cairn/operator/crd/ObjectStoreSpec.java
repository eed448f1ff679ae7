package dev.cairn.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/**
 * Where backups are kept: an S3 bucket, on AWS or any S3-compatible server.
 *
 * @param bucket the bucket, which must exist
 * @param prefix the key prefix backups go under, one directory per cluster id below it
 * @param endpoint an S3-compatible server's URL (MinIO, Ceph RGW, ...); unset means AWS S3
 * @param region the bucket's region
 * @param pathStyle whether the bucket goes in the URL path rather than the host name
 * @param credentialsSecret a Secret with {@code AWS_ACCESS_KEY_ID} and {@code
 *     AWS_SECRET_ACCESS_KEY}; unset leaves the AWS SDK's default chain (IRSA, instance roles)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ObjectStoreSpec(
    @JsonPropertyDescription("The bucket backups are kept in; it must exist.") @Required
        String bucket,
    @JsonPropertyDescription("Key prefix backups are kept under.") String prefix,
    @JsonPropertyDescription(
            "URL of an S3-compatible server (MinIO, Ceph RGW, ...); unset means AWS S3.")
        @Pattern("^https?://.+$")
        String endpoint,
    @JsonPropertyDescription("The bucket's region, e.g. eu-west-1.") String region,
    @JsonPropertyDescription(
            "Put the bucket in the URL path, not the host name, as most S3-compatible servers"
                + " need.")
        @Default("false")
        Boolean pathStyle,
    @JsonPropertyDescription(
            "Secret holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; unset uses the AWS"
                + " SDK's default chain, e.g. IRSA through the backup's service account.")
        String credentialsSecret) {
  /** The Secret keys the credentials are read from, as the AWS SDK names its variables. */
  public static final String ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID";

  public static final String SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY";

  public ObjectStoreSpec {
    prefix = prefix == null ? "" : prefix;
    pathStyle = pathStyle != null && pathStyle;
  }
}
