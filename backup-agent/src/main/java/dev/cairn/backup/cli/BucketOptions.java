package dev.cairn.backup.cli;

import dev.cairn.backup.objectstore.S3ObjectStore;
import java.net.URI;
import picocli.CommandLine.Option;

/**
 * Where backups are kept. Credentials are not flags: the AWS SDK's default chain finds them
 * (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ~/.aws files, IRSA's web identity token, container
 * and instance roles).
 */
final class BucketOptions {
  @Option(
      names = "--bucket",
      defaultValue = "${env:CAIRN_BACKUP_BUCKET}",
      description = "The bucket backups are kept in; required (env CAIRN_BACKUP_BUCKET).")
  String bucket;

  @Option(
      names = "--prefix",
      defaultValue = "${env:CAIRN_BACKUP_PREFIX:-}",
      description = "Key prefix under which backups are kept (env CAIRN_BACKUP_PREFIX).")
  String prefix;

  @Option(
      names = "--s3-endpoint",
      paramLabel = "URL",
      defaultValue = "${env:CAIRN_BACKUP_S3_ENDPOINT}",
      description =
          "An S3-compatible server (MinIO, Ceph RGW, ...) instead of AWS S3"
              + " (env CAIRN_BACKUP_S3_ENDPOINT).")
  URI s3Endpoint;

  @Option(
      names = "--region",
      defaultValue = "${env:AWS_REGION}",
      description =
          "The bucket's region (env AWS_REGION; otherwise the SDK's region chain, or us-east-1"
              + " with --s3-endpoint).")
  String region;

  @Option(
      names = "--path-style",
      defaultValue = "${env:CAIRN_BACKUP_PATH_STYLE:-false}",
      description =
          "Put the bucket in the URL path, not the host name, as most S3-compatible servers"
              + " need (env CAIRN_BACKUP_PATH_STYLE).")
  boolean pathStyle;

  @Option(
      names = "--part-size",
      paramLabel = "MIB",
      defaultValue = "${env:CAIRN_BACKUP_PART_SIZE:-16}",
      description =
          "Multipart upload part size in MiB, at least 5; larger snapshots go up in parts"
              + " (default: ${DEFAULT-VALUE}).")
  long partSizeMib;

  S3ObjectStore.Settings settings() {
    if (bucket == null || bucket.isBlank()) {
      throw new IllegalArgumentException("--bucket (or CAIRN_BACKUP_BUCKET) is required");
    }
    return new S3ObjectStore.Settings(
        bucket, s3Endpoint, region, pathStyle, partSizeMib << 20, null);
  }
}
