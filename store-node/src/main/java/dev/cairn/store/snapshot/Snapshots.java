package dev.cairn.store.snapshot;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.proto.mvccpb.KeyValue;
import dev.cairn.store.storage.Backend;
import dev.cairn.store.storage.ReadTx;
import dev.cairn.store.storage.Schema;
import dev.cairn.store.storage.Table;
import dev.cairn.store.storage.WriteTx;
import dev.cairn.store.support.Bytes;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Cairn's snapshot file: every table of a backend at one point in time, in a logical format that
 * outlives any change to the storage engine.
 *
 * <pre>
 * content  = header record* end padding
 * header   = "CAIRNSNP" u32:version u32:tableCount (u16:nameLength name)*   tables in name order
 * record   = 0x01 u16:table u32:keyLength key u32:valueLength value        keys ascending per table
 * end      = 0x02 u64:recordCount per table, in header order
 * padding  = zero bytes up to a multiple of 512
 * file     = content sha256(content)
 * </pre>
 *
 * Integers are big-endian. The file is 32 bytes longer than a multiple of 512, as etcd's snapshot
 * stream is: etcdctl refuses any other length (client/v3/snapshot hasChecksum).
 */
public final class Snapshots {
  public static final int FORMAT_VERSION = 1;
  public static final int SHA256_BYTES = 32;
  static final byte[] MAGIC = "CAIRNSNP".getBytes(StandardCharsets.US_ASCII);
  static final int BLOCK = 512;
  private static final int RECORD = 0x01;
  private static final int END = 0x02;

  private Snapshots() {}

  /**
   * Writes a snapshot of {@code backend} to {@code file} atomically: a temporary file in the same
   * directory, synced, then renamed over {@code file}. Writers may keep going meanwhile; the
   * snapshot is one read transaction.
   */
  public static SnapshotInfo save(Backend backend, Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, file.getFileName().toString() + ".", ".tmp");
    try {
      SnapshotInfo info;
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        OutputStream out = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch));
        info = write(backend, out);
        out.flush();
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      syncDirectory(dir);
      return info;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Writes a snapshot of {@code backend}, trailer included, without closing {@code out}. */
  public static SnapshotInfo write(Backend backend, OutputStream out) throws IOException {
    MessageDigest sha = sha256();
    Counting counting = new Counting(out, sha);
    DataOutputStream data = new DataOutputStream(counting);
    List<Table> tables = inNameOrder(backend.tables());
    Stats stats = new Stats();
    data.write(MAGIC);
    data.writeInt(FORMAT_VERSION);
    data.writeInt(tables.size());
    for (Table t : tables) {
      byte[] name = t.name().getBytes(StandardCharsets.UTF_8);
      data.writeShort(name.length);
      data.write(name);
    }
    long[] counts = new long[tables.size()];
    try (ReadTx tx = backend.beginRead()) {
      for (int i = 0; i < tables.size(); i++) {
        Table t = tables.get(i);
        int index = i;
        stats.table(t.name());
        try {
          tx.scan(
              t,
              null,
              (k, v) -> {
                try {
                  data.writeByte(RECORD);
                  data.writeShort(index);
                  data.writeInt(k.length);
                  data.write(k);
                  data.writeInt(v.length);
                  data.write(v);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
                stats.record(k, v);
                counts[index]++;
                return true;
              });
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
      }
    }
    data.writeByte(END);
    for (long c : counts) {
      data.writeLong(c);
    }
    long pad = (BLOCK - counting.count % BLOCK) % BLOCK;
    data.write(new byte[(int) pad]);
    data.flush();
    long contentBytes = counting.count;
    out.write(sha.digest());
    out.flush();
    return stats.info(contentBytes + SHA256_BYTES);
  }

  /**
   * Checks a snapshot file: its length, its SHA-256 trailer, and its structure.
   *
   * @throws SnapshotException naming the file and what is wrong with it
   */
  public static SnapshotInfo verify(Path file) throws IOException {
    return verify(file, false);
  }

  /**
   * @param skipHashCheck accept a file whose SHA-256 trailer does not match its content (etcdutl
   *     restore --skip-hash-check); its structure is still checked
   */
  public static SnapshotInfo verify(Path file, boolean skipHashCheck) throws IOException {
    checkEnvelope(file, skipHashCheck);
    return read(file, null);
  }

  /**
   * Replaces everything in {@code target} by the snapshot's content, in one transaction, committed
   * and synced: what a follower does with its leader's snapshot. Must run on the target's writer
   * thread.
   *
   * @throws SnapshotException if the file is damaged or holds a table the target does not have; the
   *     target is then unchanged
   */
  public static SnapshotInfo install(Path file, Backend target) throws IOException {
    return load(file, target, false, false);
  }

  /**
   * Loads a snapshot as the start of a new cluster ({@code snapshot restore}): like {@link
   * #install} but without the old cluster's members and alarms, and with the applied Raft index and
   * term at 0, since the new cluster's log starts over.
   */
  public static SnapshotInfo restoreAsNewCluster(Path file, Backend target) throws IOException {
    return restoreAsNewCluster(file, target, false);
  }

  /** As {@link #restoreAsNewCluster(Path, Backend)}, optionally accepting a bad SHA-256. */
  public static SnapshotInfo restoreAsNewCluster(Path file, Backend target, boolean skipHashCheck)
      throws IOException {
    return load(file, target, true, skipHashCheck);
  }

  private static SnapshotInfo load(
      Path file, Backend target, boolean asNewCluster, boolean skipHashCheck) throws IOException {
    checkEnvelope(file, skipHashCheck);
    Set<String> known = new HashSet<>();
    target.tables().forEach(t -> known.add(t.name()));
    for (String name : tableNames(file)) {
      if (!known.contains(name)) {
        throw new SnapshotException(
            "snapshot file "
                + file
                + " holds table '"
                + name
                + "', which this store does not have");
      }
    }
    Set<String> dropped =
        asNewCluster ? Set.of(Schema.MEMBERS.name(), Schema.ALARM.name()) : Set.of();
    SnapshotInfo info;
    try (WriteTx tx = target.beginWrite()) {
      for (Table t : target.tables()) {
        tx.clear(t);
      }
      info =
          read(
              file,
              (table, k, v) -> {
                if (!dropped.contains(table)) {
                  tx.put(new Table(table), k, v);
                }
              });
      if (asNewCluster) {
        tx.put(Schema.META, Schema.CONSISTENT_INDEX, Bytes.longBytes(0));
        tx.put(Schema.META, Schema.TERM, Bytes.longBytes(0));
      }
      tx.commit();
    }
    target.sync();
    return info;
  }

  @FunctionalInterface
  private interface RecordSink {
    void accept(String table, byte[] key, byte[] value);
  }

  /** Checks the magic, the length rule and the trailer. */
  private static void checkEnvelope(Path file, boolean skipHashCheck) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new SnapshotException("snapshot file " + file + " does not exist");
    }
    long size = Files.size(file);
    try (InputStream in = Files.newInputStream(file)) {
      byte[] magic = in.readNBytes(MAGIC.length);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new SnapshotException(
            "snapshot file " + file + " is not a Cairn snapshot (it does not begin with CAIRNSNP)");
      }
    }
    if (size % BLOCK != SHA256_BYTES || size < BLOCK + SHA256_BYTES) {
      throw new SnapshotException(
          "snapshot file "
              + file
              + " is truncated: "
              + size
              + " bytes, where a snapshot is a multiple of 512 bytes plus a 32-byte SHA-256");
    }
    if (skipHashCheck) {
      return;
    }
    MessageDigest sha = sha256();
    byte[] expected;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      byte[] buf = new byte[1 << 16];
      long left = size - SHA256_BYTES;
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new SnapshotException("snapshot file " + file + " is truncated");
        }
        sha.update(buf, 0, n);
        left -= n;
      }
      expected = in.readNBytes(SHA256_BYTES);
    }
    byte[] actual = sha.digest();
    if (!Arrays.equals(expected, actual)) {
      HexFormat hex = HexFormat.of();
      throw new SnapshotException(
          "snapshot file "
              + file
              + " fails its SHA-256 check (expected "
              + hex.formatHex(expected)
              + ", got "
              + hex.formatHex(actual)
              + ")");
    }
  }

  private static List<String> tableNames(Path file) throws IOException {
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      return readHeader(file, in, Files.size(file) - SHA256_BYTES);
    } catch (EOFException e) {
      throw damaged(file, "it ends inside its header");
    }
  }

  private static List<String> readHeader(Path file, DataInputStream in, long contentBytes)
      throws IOException {
    in.skipNBytes(MAGIC.length);
    int version = in.readInt();
    if (version != FORMAT_VERSION) {
      throw new SnapshotException(
          "snapshot file "
              + file
              + " has format version "
              + version
              + "; this version of Cairn reads version "
              + FORMAT_VERSION);
    }
    int count = in.readInt();
    if (count < 0 || count > contentBytes / 3) {
      throw damaged(file, "its table count " + count + " is impossible");
    }
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int len = in.readUnsignedShort();
      names.add(new String(in.readNBytes(len), StandardCharsets.UTF_8));
    }
    return names;
  }

  /** Parses the content, handing each record to {@code sink} when there is one. */
  private static SnapshotInfo read(Path file, RecordSink sink) throws IOException {
    long size = Files.size(file);
    long contentBytes = size - SHA256_BYTES;
    Stats stats = new Stats();
    try (CountingInput counted =
            new CountingInput(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
        DataInputStream in = new DataInputStream(counted)) {
      List<String> names = readHeader(file, in, contentBytes);
      long[] counts = new long[names.size()];
      int lastTable = -1;
      byte[] lastKey = null;
      while (true) {
        if (counted.count >= contentBytes) {
          throw damaged(file, "it has no end marker");
        }
        int tag = in.readUnsignedByte();
        if (tag == END) {
          break;
        }
        if (tag != RECORD) {
          throw damaged(file, "unknown record type " + tag + " at byte " + (counted.count - 1));
        }
        int table = in.readUnsignedShort();
        if (table >= names.size() || table < lastTable) {
          throw damaged(file, "a record names table " + table + " out of order");
        }
        byte[] key = readBlock(file, in, counted, contentBytes);
        byte[] value = readBlock(file, in, counted, contentBytes);
        if (table == lastTable && Arrays.compareUnsigned(lastKey, key) >= 0) {
          throw damaged(file, "keys of table '" + names.get(table) + "' are out of order");
        }
        // Every table's name is hashed, records or not, as the writer hashes them.
        for (int t = lastTable + 1; t <= table; t++) {
          stats.table(names.get(t));
        }
        lastTable = table;
        lastKey = key;
        counts[table]++;
        stats.record(key, value);
        if (sink != null) {
          sink.accept(names.get(table), key, value);
        }
      }
      for (int i = 0; i < counts.length; i++) {
        long expected = in.readLong();
        if (expected != counts[i]) {
          throw damaged(
              file,
              "table '"
                  + names.get(i)
                  + "' has "
                  + counts[i]
                  + " records where its end marker says "
                  + expected);
        }
      }
      for (int t = lastTable + 1; t < names.size(); t++) {
        stats.table(names.get(t));
      }
      if (counted.count > contentBytes) {
        throw damaged(file, "its end marker runs into the SHA-256 trailer");
      }
      byte[] padding = in.readNBytes((int) (contentBytes - counted.count));
      for (byte b : padding) {
        if (b != 0) {
          throw damaged(file, "there are bytes after its end marker");
        }
      }
    } catch (EOFException e) {
      throw damaged(file, "it ends early");
    }
    return stats.info(size);
  }

  private static byte[] readBlock(
      Path file, DataInputStream in, CountingInput counted, long contentBytes) throws IOException {
    int len = in.readInt();
    if (len < 0 || counted.count + len > contentBytes) {
      throw damaged(file, "a record of " + len + " bytes runs past its end");
    }
    return in.readNBytes(len);
  }

  private static SnapshotException damaged(Path file, String why) {
    return new SnapshotException("snapshot file " + file + " is damaged: " + why);
  }

  private static List<Table> inNameOrder(List<Table> tables) {
    List<Table> sorted = new ArrayList<>(tables);
    sorted.sort(
        (a, b) ->
            Arrays.compareUnsigned(
                a.name().getBytes(StandardCharsets.UTF_8),
                b.name().getBytes(StandardCharsets.UTF_8)));
    return sorted;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  private static void syncDirectory(Path dir) {
    // Makes the rename durable; some file systems cannot open a directory, which is harmless.
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // best effort
    }
  }

  /** The figures of {@link SnapshotInfo}, gathered record by record in file order. */
  private static final class Stats {
    private final CRC32C crc = new CRC32C();
    private final Map<Bytes, Boolean> live = new HashMap<>();
    private String table;
    private long revision;
    private long records;
    private long consistentIndex;

    void table(String name) {
      table = name;
      crc.update(name.getBytes(StandardCharsets.UTF_8));
    }

    void record(byte[] k, byte[] v) {
      records++;
      crc.update(k);
      crc.update(v);
      if (table.equals(Schema.KEY.name()) && k.length >= 17) {
        revision = Bytes.readLong(k, 0);
        boolean tombstone = k.length == 18 && k[17] == 't';
        Bytes key = Bytes.wrap(keyOf(v));
        if (tombstone) {
          live.remove(key);
        } else {
          live.put(key, Boolean.TRUE);
        }
      } else if (table.equals(Schema.META.name())
          && Arrays.equals(k, Schema.CONSISTENT_INDEX)
          && v.length == 8) {
        consistentIndex = Bytes.readLong(v, 0);
      }
    }

    SnapshotInfo info(long totalSize) {
      return new SnapshotInfo(
          (int) crc.getValue(),
          revision,
          live.size(),
          records,
          totalSize,
          consistentIndex,
          FORMAT_VERSION);
    }

    private static byte[] keyOf(byte[] value) {
      try {
        return KeyValue.parseFrom(value).getKey().toByteArray();
      } catch (InvalidProtocolBufferException e) {
        return value;
      }
    }
  }

  /** Counts what passes through and feeds the digest. */
  private static final class Counting extends FilterOutputStream {
    private final MessageDigest sha;
    long count;

    Counting(OutputStream out, MessageDigest sha) {
      super(out);
      this.sha = sha;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      sha.update((byte) b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      sha.update(b, off, len);
      count += len;
    }

    @Override
    public void close() throws IOException {
      flush(); // the caller owns the stream
    }
  }

  private static final class CountingInput extends java.io.FilterInputStream {
    long count;

    CountingInput(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long s = in.skip(n);
      count += s;
      return s;
    }
  }
}
